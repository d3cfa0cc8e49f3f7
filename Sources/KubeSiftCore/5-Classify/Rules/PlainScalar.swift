import Yams

/// The type YAML's core schema gives a plain (unquoted) scalar, read by hand.
///
/// Yams decides this with a regular expression per type, run again each time a node is hashed or its
/// tag is read; on the built-in catalog that cost more than everything else about loading it. The
/// grammar is Yams' own default resolver's, less sexagesimal numbers (`10:30` stays text).
enum PlainScalar: Equatable {
    case null, bool, int, float, string

    init(_ scalar: Node.Scalar) {
        guard scalar.style == .plain else {
            self = .string
            return
        }
        let text = scalar.string
        switch text {
        case "", "~", "null", "Null", "NULL":
            self = .null
        case "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
             "on", "On", "ON", "off", "Off", "OFF":
            self = .bool
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            self = .float
        default:
            let bytes = Array(text.utf8)
            if Self.isInteger(bytes) {
                self = .int
            } else if Self.isFloat(bytes) {
                self = .float
            } else {
                self = .string
            }
        }
    }

    private static func isInteger(_ bytes: [UInt8]) -> Bool {
        var digits = bytes[...]
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard let first = digits.first else { return false }
        func all(_ body: ArraySlice<UInt8>, _ allowed: (UInt8) -> Bool) -> Bool {
            !body.isEmpty && body.allSatisfy { $0 == UInt8(ascii: "_") || allowed($0) }
        }
        if first == UInt8(ascii: "0"), digits.count > 1 {
            let rest = digits.dropFirst()
            switch rest.first {
            case UInt8(ascii: "b"): return all(rest.dropFirst()) { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }
            case UInt8(ascii: "x"): return all(rest.dropFirst(), isHexDigit)
            case UInt8(ascii: "o"): return all(rest.dropFirst(), isOctalDigit)
            default: return all(rest, isOctalDigit)
            }
        }
        return isDigit(first) && all(digits, isDigit)
    }

    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func skip(_ allowed: (UInt8) -> Bool) -> Int {
            let start = index
            while index < bytes.count, allowed(bytes[index]) { index += 1 }
            return index - start
        }
        let signed = index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+"))
        if signed { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            // `.5`: no sign, and an exponent must be signed.
            guard !signed else { return false }
            index += 1
            guard skip({ isDigit($0) || $0 == UInt8(ascii: "_") }) > 0 else { return false }
            return exponent(requireSign: true)
        }
        guard index < bytes.count, isDigit(bytes[index]) else { return false }
        _ = skip { isDigit($0) || $0 == UInt8(ascii: "_") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            _ = skip { isDigit($0) || $0 == UInt8(ascii: "_") }
        }
        return exponent(requireSign: false)

        func exponent(requireSign: Bool) -> Bool {
            guard index < bytes.count else { return true }
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return false }
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            } else if requireSign {
                return false
            }
            return skip(isDigit) > 0 && index == bytes.count
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isOctalDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (GlobPattern.fold(byte) >= UInt8(ascii: "a") && GlobPattern.fold(byte) <= UInt8(ascii: "f"))
    }
}
