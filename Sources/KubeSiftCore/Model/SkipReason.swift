/// Why a record in an input was not analyzed. Bad data is counted by reason, never thrown.
package enum SkipReason: String, Error, Sendable, Codable, CaseIterable, Comparable {
    /// Not JSON at all (binary junk, a text line, a syntax error).
    case notJSON = "not-json"
    /// Valid JSON, but not an audit event (no auditID, another `kind`).
    case notAuditEvent = "not-an-audit-event"
    /// JSON that ends inside a value: the record was cut off, typically by a truncated archive.
    case cutOff = "cut-off"
    /// Longer than the record-length limit; skipped without being held in memory.
    case overLong = "over-length-limit"
    /// Bytes that are not valid UTF-8 (JSON must be; the apiserver never writes them).
    case invalidUTF8 = "invalid-utf8"
    /// Containers nested deeper than the scanner accepts (or envelopes inside envelopes).
    case nestedTooDeep = "nested-too-deep"
    /// Cut by the log service before it was exported (CloudWatch Logs ends an event over 256 KiB
    /// with `[Truncated...]`): what is left cannot be read.
    case truncatedUpstream = "truncated-by-log-service"
    /// Not in the format `--format` named.
    case notInGivenFormat = "not-in-given-format"

    package static func < (lhs: SkipReason, rhs: SkipReason) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What the reason means, for reports and stderr.
    package var explanation: String {
        switch self {
        case .notJSON: "not JSON"
        case .notAuditEvent: "JSON, but not an audit event"
        case .cutOff: "cut off before the end of the record"
        case .overLong: "over the record-length limit"
        case .invalidUTF8: "invalid UTF-8"
        case .nestedTooDeep: "JSON nested too deep"
        case .truncatedUpstream: "cut off by the log service before export"
        case .notInGivenFormat: "not in the format given with --format"
        }
    }
}

/// Where a record sits: the input file, the member inside an archive, and the line.
package struct EventProvenance: Hashable, Sendable, Codable, Comparable {
    /// The input file, as the user named it (a path given on the command line, or below it).
    package var file: String
    /// The member inside an archive (`a.tar.gz` → `node-2/audit.log.gz`), nested members joined by `!`.
    package var member: String?
    /// 1-based line in the decompressed member where the record starts.
    package var line: Int

    package init(file: String, member: String?, line: Int) {
        self.file = file
        self.member = member
        self.line = line
    }

    package static func < (lhs: EventProvenance, rhs: EventProvenance) -> Bool {
        (lhs.file, lhs.member ?? "", lhs.line) < (rhs.file, rhs.member ?? "", rhs.line)
    }

    package var description: String {
        if let member { return "\(file)[\(member)]:\(line)" }
        return "\(file):\(line)"
    }
}

/// A problem with an input as a whole (as opposed to one record in it).
package struct InputProblem: Hashable, Sendable, Codable, Comparable {
    package enum Kind: String, Sendable, Codable, Comparable {
        /// The file could not be opened or read (permissions, I/O error).
        case unreadable
        /// The compressed stream or archive ends early; everything before the damage was analyzed.
        case truncated
        /// The compressed stream or archive is damaged; everything before the damage was analyzed.
        case corrupt
        /// Bytes after the end of the compressed stream that are not padding.
        case trailingData = "trailing-data"
        /// Archives nested deeper than the limit; the inner archive was not opened.
        case nestingTooDeep = "nesting-too-deep"
        /// The content grew past the expansion limit (a decompression bomb): reading stopped there.
        case expansionLimit = "expansion-limit"
        /// Not a regular file (a FIFO, a device, a socket): skipped, never opened.
        case notRegularFile = "not-a-regular-file"
        /// Readable, but holds no audit data (a README, an image): skipped.
        case notAuditData = "not-audit-data"

        package static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Whether this problem means audit data may have been lost (exit code 2).
        package var meansDataLoss: Bool {
            switch self {
            case .notAuditData, .notRegularFile: false
            default: true
            }
        }
    }

    package var kind: Kind
    /// The archive member, when the problem is inside one.
    package var member: String?
    /// What happened and what to do, in words.
    package var message: String

    package init(kind: Kind, member: String? = nil, message: String) {
        self.kind = kind
        self.member = member
        self.message = message
    }

    package static func < (lhs: InputProblem, rhs: InputProblem) -> Bool {
        (lhs.member ?? "", lhs.kind, lhs.message) < (rhs.member ?? "", rhs.kind, rhs.message)
    }
}
