import Crypto

/// The `report.json` document: a versioned, deterministic rendering of an ``AnalysisResult``.
///
/// Every list is in one total order and every map is written with sorted keys, so the same input
/// and options give a byte-identical file. Field names are stable within a schema version.
package struct ReportDocument: Encodable, Sendable {
    package static let schema = "kubesift.report/v1"

    package struct Tool: Encodable, Sendable {
        var name = "kubesift"
        var version = KubeSiftVersion.current
    }

    /// How the analysis was asked for: enough to run it again.
    package struct Parameters: Encodable, Sendable {
        package var paths: [String]
        package var cluster: String?
        package var clusterFromDirectory: Bool
        package var since: String?
        package var until: String?
        /// The instant relative times were resolved against; absent when no relative time was given,
        /// so that reruns of an absolute window write identical reports.
        package var now: Timestamp?
        package var maximumRecordBytes: Int
        package var maximumNesting: Int
        /// The arguments `kubesift` was run with, the program named `kubesift`: the exact command to rerun.
        package var commandLine: [String] = []
        /// The format `--format` gave every record; absent when each record's was found.
        package var format: SourceFormat?

        package init(paths: [String], cluster: String?, clusterFromDirectory: Bool, since: String?, until: String?,
                     now: Timestamp?, maximumRecordBytes: Int, maximumNesting: Int, format: SourceFormat? = nil)
        {
            self.format = format
            self.paths = paths
            self.cluster = cluster
            self.clusterFromDirectory = clusterFromDirectory
            self.since = since
            self.until = until
            self.now = now
            self.maximumRecordBytes = maximumRecordBytes
            self.maximumNesting = maximumNesting
        }
    }

    struct Window: Encodable {
        var since: Timestamp?
        var until: Timestamp?
        var untilIsExclusive = true
        var comparedOn = "requestReceivedTimestamp"
    }

    struct Summary: Encodable {
        var inputFiles: Int
        var inputBytes: Int64
        var decompressedBytes: Int64
        var eventsRead: Int
        var eventsOutsideWindow: Int
        var eventsWithoutTime: Int
        var duplicateEvents: Int
        var distinctEvents: Int
        var distinctRequests: Int
        var recordsSkipped: Int
        var recordsPassedOver: Int
        var cloudOperations: Int
        var inputsWithDataLoss: Int
        var firstEvent: Timestamp?
        var lastEvent: Timestamp?
        var partial: Bool
    }

    struct Location: Encodable {
        var file: String
        var member: String?
        var line: Int
    }

    /// Records skipped or passed over for one reason (the first locations of skipped ones only).
    struct Records: Encodable {
        var reason: String
        var meaning: String
        var count: Int
        var byFormat: [String: Int]
        var firstLocations: [Location]?
    }

    struct Problem: Encodable {
        var file: String
        var member: String?
        var kind: String
        var message: String
        var dataLoss: Bool
    }

    struct DataQuality: Encodable {
        var skippedRecords: [Records]
        /// Records that are something else by design (not lost data): not counted as skipped.
        var passedOverRecords: [Records]
        var inputProblems: [Problem]
    }


    struct Member: Encodable {
        var name: String?
        var compression: [String]
        var decompressedBytes: Int64
        var lines: Int
        var events: Int
        var firstEvent: Timestamp?
        var lastEvent: Timestamp?
    }

    struct Input: Encodable {
        var path: String
        var cluster: String?
        var size: Int64
        var sha256: String?
        var container: String
        var compression: [String]
        var members: [Member]
        var events: Int
        var firstEvent: Timestamp?
        var lastEvent: Timestamp?
        /// Events by the format they came in.
        var formats: [String: Int]
        var skipped: [String: Int]
        /// Skipped records by format, then reason.
        var skippedByFormat: [String: [String: Int]]
        var passedOver: [String: Int]
        var problems: [Problem]
        /// With a state: what earlier runs had read of the file's text, skipped by this one.
        var resumedAfter: ReadPosition?
    }

    struct Activity: Encodable {
        var name: String
        var requests: Int
        var denied: Int
        var firstSeen: Timestamp?
        var lastSeen: Timestamp?
    }

    struct Hour: Encodable {
        var hour: Timestamp
        var requests: Int
        var denied: Int
    }

    /// Requests to one resource by the audit level they were logged at: what the audit policy lets
    /// the rules see.
    struct ResourceLevels: Encodable {
        var resource: String
        var metadata: Int
        var request: Int
        var requestResponse: Int
        var unknown: Int
        /// The same, per verb.
        var verbs: [String: LevelCounts]
    }

    struct ActivitySection: Encodable {
        var users: [Activity]
        var serviceAccounts: [Activity]
        var sourceIPs: [Activity]
        var namespaces: [Activity]
        var resources: [Activity]
        var verbs: [Activity]
        var responseCodes: [Activity]
        var userAgents: [Activity]
        var hourly: [Hour]
        var auditLevels: [ResourceLevels]
        /// Values beyond a dimension's table limit, counted under `(other)`.
        var overflowedRequests: [String: Int]
    }

    /// A rule that ran, and what it found.
    struct RuleRun: Encodable {
        var id: String
        var name: String
        var version: Int
        var title: String
        var kind: String
        var category: RuleCategory
        var severity: Severity
        var auditLevel: AuditLevel
        var origin: String
        var findings: Int
        /// Correlations: the condition, window and grouping (`event_count >= 10 within 10m, grouped by sourceIPs`).
        var condition: String?
    }

    struct Detections: Encodable {
        var rules: [RuleRun]
        /// Names the rule set exactly (see ``RuleSet/sha256``).
        var ruleSetSHA256: String
        var findingsBySeverity: [String: Int]
        var findingsByCategory: [String: Int]
        var findings: [Finding]
        /// `findings` as `findings.jsonl` already holds them, when it was written first: written
        /// as they are instead of encoding every finding twice.
        var encodedFindings: [EncodedJSON]?

        private enum CodingKeys: String, CodingKey {
            case rules, ruleSetSHA256, findingsBySeverity, findingsByCategory, findings
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rules, forKey: .rules)
            try container.encode(ruleSetSHA256, forKey: .ruleSetSHA256)
            try container.encode(findingsBySeverity, forKey: .findingsBySeverity)
            try container.encode(findingsByCategory, forKey: .findingsByCategory)
            if let encodedFindings {
                try container.encode(encodedFindings, forKey: .findings)
            } else {
                try container.encode(findings, forKey: .findings)
            }
        }
    }

    var schema = ReportDocument.schema
    var tool = Tool()
    var generatedAt: Timestamp
    var parameters: Parameters
    var window: Window
    var summary: Summary
    var dataQuality: DataQuality
    var inputs: [Input]
    var activity: ActivitySection
    var detections: Detections
    /// Per framework shown, every control with its computed status; absent without a mapping.
    var compliance: ComplianceResult?
    /// One SHA-256 over the SHA-256 of every input (see ``InputManifest``).
    var inputsSHA256: String
    /// Names this analysis: 16 hex digits of a SHA-256 over the inputs, the rule set, the catalogs
    /// and the command line. The same analysis run again gets the same id.
    var reportID: String
    /// Cloud control-plane operations (GKE cluster and node-pool changes), in time order.
    var cloudOperations: [CloudOperation]
    /// With a state: the review ledger of the period (see ``Ledger``).
    package var ledger: Ledger?
    /// Per cluster: gaps, clock anomalies, PCI DSS 10.2.2 fields and days covered.
    var completeness: CompletenessResult

    package init(result: AnalysisResult, parameters: Parameters, generatedAt: Timestamp, rules: RuleSet = .empty) {
        self.generatedAt = generatedAt
        self.parameters = parameters
        window = Window(since: result.window.since, until: result.window.until)
        let totals = result.totals
        summary = Summary(
            inputFiles: totals.inputFiles, inputBytes: totals.inputBytes, decompressedBytes: totals.decompressedBytes,
            eventsRead: totals.eventsRead, eventsOutsideWindow: totals.eventsOutsideWindow,
            eventsWithoutTime: totals.eventsWithoutTime, duplicateEvents: totals.duplicateEvents,
            distinctEvents: totals.distinctEvents, distinctRequests: totals.distinctRequests,
            recordsSkipped: totals.recordsSkipped, recordsPassedOver: totals.recordsPassedOver,
            cloudOperations: totals.cloudOperations, inputsWithDataLoss: totals.inputsWithDataLoss,
            firstEvent: totals.firstEvent, lastEvent: totals.lastEvent, partial: result.isPartial)
        func problem(_ problem: InputProblem, file: String) -> Problem {
            Problem(file: file, member: problem.member, kind: problem.kind.rawValue, message: problem.message,
                    dataLoss: problem.kind.meansDataLoss)
        }
        func byName<Key: RawRepresentable<String>>(_ counts: [Key: Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        }
        dataQuality = DataQuality(
            skippedRecords: result.skipped.keys.sorted().map { reason in
                let summary = result.skipped[reason]!
                return Records(reason: reason.rawValue, meaning: reason.explanation, count: summary.count,
                               byFormat: byName(summary.byFormat),
                               firstLocations: summary.samples.map { Location(file: $0.file, member: $0.member, line: $0.line) })
            },
            passedOverRecords: result.passedOver.keys.sorted().map { reason in
                let summary = result.passedOver[reason]!
                return Records(reason: reason.rawValue, meaning: reason.explanation, count: summary.count,
                               byFormat: byName(summary.byFormat))
            },
            inputProblems: result.inputs.flatMap { input in input.problems.map { problem($0, file: input.path) } })
        inputs = result.inputs.map { input in
            Input(path: input.path, cluster: input.cluster, size: input.size, sha256: input.sha256,
                  container: input.container, compression: input.compressions,
                  members: input.members.map {
                      Member(name: $0.name, compression: $0.compressions, decompressedBytes: $0.decompressedBytes,
                             lines: $0.lines, events: $0.eventsRead, firstEvent: $0.firstEvent, lastEvent: $0.lastEvent)
                  },
                  events: input.eventsRead, firstEvent: input.firstEvent, lastEvent: input.lastEvent,
                  formats: byName(input.formats), skipped: byName(input.skipped),
                  skippedByFormat: Dictionary(uniqueKeysWithValues: input.skippedByFormat.map { ($0.key.rawValue, byName($0.value)) }),
                  passedOver: byName(input.passedOver),
                  problems: input.problems.map { problem($0, file: input.path) }, resumedAfter: input.resumedFrom)
        }
        func rows(_ dimension: ActivityDimension) -> [Activity] {
            (result.activity.dimensions[dimension] ?? [:])
                .map { Activity(name: $0.key, requests: $0.value.requests, denied: $0.value.denied,
                                firstSeen: $0.value.firstSeen, lastSeen: $0.value.lastSeen) }
                .sorted { ($1.requests, $0.name) < ($0.requests, $1.name) }
        }
        activity = ActivitySection(
            users: rows(.user), serviceAccounts: rows(.serviceAccount), sourceIPs: rows(.sourceIP),
            namespaces: rows(.namespace), resources: rows(.resource), verbs: rows(.verb),
            responseCodes: rows(.responseCode), userAgents: rows(.userAgent),
            hourly: result.activity.hourly.keys.sorted().map { hour in
                let count = result.activity.hourly[hour]!
                return Hour(hour: hour, requests: count.requests, denied: count.denied)
            },
            auditLevels: result.activity.levels.keys.sorted().map { resource in
                let count = result.activity.levels[resource]!
                return ResourceLevels(resource: resource, metadata: count.metadata, request: count.request,
                                      requestResponse: count.requestResponse, unknown: count.unknown,
                                      verbs: result.activity.verbLevels[resource] ?? [:])
            },
            overflowedRequests: Dictionary(uniqueKeysWithValues: result.activity.overflowed.map { ($0.key.rawValue, $0.value) }))
        var perRule: [String: Int] = [:]
        var bySeverity: [String: Int] = [:]
        var byCategory: [String: Int] = [:]
        for finding in result.findings {
            perRule[finding.rule.id, default: 0] += 1
            bySeverity[finding.rule.severity.rawValue, default: 0] += 1
            byCategory[finding.rule.category.rawValue, default: 0] += 1
        }
        detections = Detections(
            rules: rules.all.map { definition in
                let meta = definition.metadata
                let origin: String
                switch meta.origin {
                case .builtIn: origin = "built-in"
                case let .file(path): origin = path
                }
                var condition: String?
                if case let .correlation(rule) = definition { condition = rule.conditionSummary }
                return RuleRun(id: meta.id, name: meta.name, version: meta.version, title: meta.title, kind: definition.kindName,
                               category: meta.category, severity: meta.severity, auditLevel: meta.auditLevel,
                               origin: origin, findings: perRule[meta.id, default: 0], condition: condition)
            },
            ruleSetSHA256: rules.sha256,
            findingsBySeverity: bySeverity, findingsByCategory: byCategory, findings: result.findings)
        compliance = result.compliance
        inputsSHA256 = InputManifest.sha256(of: result.inputs.map { ($0.path, $0.sha256) })
        let identity = [inputsSHA256, detections.ruleSetSHA256] + (compliance?.frameworks.map(\.sha256) ?? [])
            + parameters.commandLine
        reportID = String(SHA256.hash(data: Array(identity.joined(separator: "\u{0}").utf8)).lowercaseHex.prefix(16))
        cloudOperations = result.cloudOperations
        completeness = result.completeness
    }

    /// The document as pretty-printed JSON with sorted keys, ending in a newline, encoded whole.
    package func encoded() throws -> [UInt8] {
        try SortedJSONEncoder(prettyPrinted: true).encode(self) + [0x0A]
    }

    /// The document handed to `emit` a chunk at a time, and `findings.jsonl` to `findingsLines`, from
    /// one encoding of the findings. The findings (most of both files) are encoded `batch` at a
    /// time on every core; each batch is written as lines of `findings.jsonl`, then re-indented and
    /// spliced into the rest of the document. Neither file, nor the encoded findings, is held whole.
    ///
    /// The next batch is encoded while this thread writes (and its caller hashes) the one before,
    /// and the rest of the document while the first batch is: encoding, then writing, left a core
    /// idle through each writing.
    package func write(emit: ([UInt8]) throws -> Void, findingsLines: ([UInt8]) throws -> Void = { _ in },
                       batch: Int = 512) throws {
        let findings = detections.findings
        let starts = Array(stride(from: 0, to: findings.count, by: batch))
        func encoding(_ index: Int) -> Pending<EncodedBatch> {
            let batchFindings = findings[starts[index]..<min(findings.count, starts[index] + batch)]
            let first = starts[index]
            return Pending { EncodedBatch(batchFindings, first: first) }
        }
        var next = starts.isEmpty ? nil : encoding(0)
        let (head, tail) = try frame()
        try emit(head)
        try emit([UInt8(ascii: "[")])
        for index in starts.indices {
            let encoded = next!.wait()
            next = index + 1 < starts.count ? encoding(index + 1) : nil
            for part in encoded.parts { try findingsLines(part) }
            for chunk in encoded.pretty { try emit(chunk) }
        }
        try emit(EncodedJSON.prettyListEnd(depth: Self.findingsDepth, count: findings.count))
        try emit(tail)
    }

    /// The list of findings' depth in the pretty document: `detections.findings`.
    fileprivate static let findingsDepth = 2

    /// A batch of findings encoded: `findings.jsonl`'s lines, in parts of whole lines, and the
    /// same re-indented as elements of the document's list, the first its element number `first`.
    private struct EncodedBatch: Sendable {
        var parts: [[UInt8]]
        var pretty: [[UInt8]]

        init(_ findings: ArraySlice<Finding>, first: Int) {
            parts = FindingsFile.encodedParts(findings)
            pretty = EncodedJSON.prettyElements(parts.flatMap(ReportDocument.lines), depth: ReportDocument.findingsDepth,
                                                first: first)
        }
    }

    /// The values of `findings.jsonl`'s lines, where they lie.
    fileprivate static func lines(_ part: [UInt8]) -> [EncodedJSON] {
        var lines: [EncodedJSON] = []
        // memchr, not `split`: the generic split looks at each of the file's bytes through a closure.
        part.withUnsafeBufferPointer { (bytes: UnsafeBufferPointer<UInt8>) in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while start < bytes.count {
                var end = bytes.count
                if let newline = memchr(base + start, 0x0A, bytes.count - start) {
                    end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
                }
                if end > start { lines.append(EncodedJSON(compact: part[start..<end])) }
                start = end + 1
            }
        }
        return lines
    }

    /// The document without its findings, pretty-printed: what comes before their list and what
    /// comes after it.
    private func frame() throws -> (head: [UInt8], tail: [UInt8]) {
        // The rest of the document is encoded around one placeholder, unguessable, so no text from
        // a log can pose as it; the list of findings replaces the list holding it.
        let placeholder = Array("\"\(UUID().uuidString)\"".utf8)
        var document = self
        document.detections.encodedFindings = [EncodedJSON(compact: placeholder[...])]
        var rest = try SortedJSONEncoder(prettyPrinted: true).encode(document)
        rest.append(0x0A)
        // memchr and memcmp: a generic search walks the document through closures.
        let offset = rest.withUnsafeBytes { document -> Int? in
            placeholder.withUnsafeBytes { needle -> Int? in
                guard let base = document.baseAddress else { return nil }
                var start = 0
                while start + needle.count <= document.count {
                    guard let hit = memchr(base + start, Int32(needle[0]), document.count - needle.count + 1 - start) else { return nil }
                    let position = UnsafeRawPointer(hit) - base
                    if memcmp(base + position, needle.baseAddress!, needle.count) == 0 { return position }
                    start = position + 1
                }
                return nil
            }
        }
        guard let offset else { preconditionFailure("the findings' placeholder is missing") }
        let found = offset..<(offset + placeholder.count)
        // `[`, a newline, the element's indentation, the element, a newline, the list's, `]`.
        var open = found.lowerBound - 1
        while rest[open] == 0x20 { open -= 1 }
        precondition(rest[open] == 0x0A && rest[open - 1] == UInt8(ascii: "["), "the findings' placeholder is not a list's only element")
        open -= 1
        var close = found.upperBound + 1
        while rest[close] == 0x20 { close += 1 }
        precondition(rest[found.upperBound] == 0x0A && rest[close] == UInt8(ascii: "]"), "the findings' placeholder is not a list's only element")
        precondition(close - found.upperBound - 1 == 2 * Self.findingsDepth, "the findings' list is not at its depth")
        return (Array(rest[..<open]), Array(rest[(close + 1)...]))
    }
}

import Foundation
