import Foundation
import Logging

/// Writes text to stderr: the channel for logs, progress and the summary (stdout is for data).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Text from a log, made safe for a terminal: control characters (escape sequences that could
    /// rewrite the screen) become U+FFFD.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control ? "\u{FFFD}" : $0
        }))
    }
}

/// A swift-log handler that prints `kubesift: warning: …` lines on stderr.
struct StandardErrorLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "\(event.level): " : ""
        StandardError.write("kubesift: \(prefix)\(event.message)\n")
    }
}
