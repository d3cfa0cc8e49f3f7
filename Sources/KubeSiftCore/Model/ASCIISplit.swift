extension StringProtocol {
    /// The parts between each `separator` (an ASCII character), empty ones kept. Split on the byte:
    /// splitting by `Character` costs far more, and an ASCII byte never occurs inside another
    /// character's UTF-8.
    func split(onASCII separator: Unicode.Scalar, maxSplits: Int = .max) -> [Substring] {
        Substring(self).utf8.split(separator: UInt8(ascii: separator), maxSplits: maxSplits, omittingEmptySubsequences: false)
            .map(Substring.init)
    }
}
