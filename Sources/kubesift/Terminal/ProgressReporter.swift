import Foundation
import KubeSiftCore

/// Shows progress on stderr while the pipeline runs: one live line on a terminal (bytes, events/s,
/// ETA), a plain line every ten seconds otherwise (cron mail, CI logs).
final class ProgressReporter: Sendable {
    private let counters: ProgressCounters
    private let live: Bool
    private let stopRequested = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(counters: ProgressCounters, live: Bool) {
        self.counters = counters
        self.live = live
    }

    func start() {
        let thread = Thread { [self] in
            let start = Date()
            var lastLine = Date.distantPast
            // Waiting on the stop signal, not sleeping, so that a short run ends at once.
            while stopRequested.wait(timeout: .now() + 0.2) == .timedOut {
                let elapsed = Date().timeIntervalSince(start)
                guard elapsed >= 1 else { continue }
                if live {
                    StandardError.write("\r\u{1B}[K" + line(elapsed: elapsed))
                } else if Date().timeIntervalSince(lastLine) >= 10 {
                    lastLine = Date()
                    StandardError.write("kubesift: " + line(elapsed: elapsed) + "\n")
                }
            }
            if live && Date().timeIntervalSince(start) >= 1 { StandardError.write("\r\u{1B}[K") }
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopRequested.signal()
        finished.wait()
    }

    private func line(elapsed: Double) -> String {
        let snapshot = counters.snapshot()
        let rate = Double(snapshot.events) / elapsed
        var text = "read \(ByteCount(snapshot.inputBytes)) of \(ByteCount(counters.totalInputBytes))"
            + " (\(snapshot.filesDone)/\(counters.totalFiles) files), \(ByteCount(snapshot.decompressedBytes)) decompressed"
            + " · \(Int(rate)) events/s"
        if snapshot.inputBytes > 0, counters.totalInputBytes > snapshot.inputBytes {
            // Rounded up: "0m00s" while work remains would read as done.
            let remaining = Int((elapsed * Double(counters.totalInputBytes - snapshot.inputBytes)
                / Double(snapshot.inputBytes)).rounded(.up))
            text += " · ETA \(remaining / 60)m\(String(format: "%02d", remaining % 60))s"
        }
        return text
    }
}
