extension Sequence<UInt8> {
    /// The bytes in lowercase hex, two digits each: how digests are written in reports.
    package var lowercaseHex: String {
        map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
