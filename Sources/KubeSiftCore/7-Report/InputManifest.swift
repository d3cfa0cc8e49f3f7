import Crypto

/// One SHA-256 over every input read: the fingerprint of the evidence a report is about.
///
/// It is the SHA-256 of what `sha256sum` prints for the inputs, lines sorted bytewise, so anyone can
/// recompute it from the files without KubeSift (``recomputeCommand``). An input that could not be
/// hashed (unreadable) has no line.
package enum InputManifest {
    /// How to recompute ``sha256(of:)`` from a shell in the directory the analysis ran in.
    package static let recomputeCommand = "sha256sum PATH... | LC_ALL=C sort | sha256sum"

    /// - Parameter inputs: every input's path as the report lists it, and its SHA-256.
    package static func sha256(of inputs: [(path: String, sha256: String?)]) -> String {
        let lines = inputs.compactMap { input in input.sha256.map { line(path: input.path, sha256: $0) } }
        // `sort` compares lines without their newline.
        let text = lines.sorted { Array($0.utf8.dropLast()).lexicographicallyPrecedes(Array($1.utf8.dropLast())) }.joined()
        return SHA256.hash(data: Array(text.utf8)).lowercaseHex
    }

    /// One line as GNU `sha256sum` writes it: a name holding a backslash, newline or carriage return
    /// is escaped, and the line then starts with a backslash.
    static func line(path: String, sha256: String) -> String {
        // Bytes, not Characters: "\r\n" is one Character, and must come out as two escapes.
        var escaped: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): escaped += Array("\\\\".utf8)
            case UInt8(ascii: "\n"): escaped += Array("\\n".utf8)
            case UInt8(ascii: "\r"): escaped += Array("\\r".utf8)
            default: escaped.append(byte)
            }
        }
        let prefix = escaped.count == path.utf8.count ? "" : "\\"
        return "\(prefix)\(sha256)  \(String(decoding: escaped, as: UTF8.self))\n"
    }
}
