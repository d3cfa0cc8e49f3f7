/// What a record held besides events.
enum RecordNote {
    /// A record, or a part of one, that could not be used.
    case skipped(SkipReason)
    /// A record that is something else by design (not lost data).
    case passedOver(PassOverReason)
    /// A cloud control-plane operation (also passed over, and listed in the report).
    case cloudOperation(CloudOperation)
}

/// Finds the audit events in one record, whatever envelope they came in: the API server's own
/// objects, a cloud export's entries, a shipper's wrapper or a line prefix, nested as they come
/// (Fluent Bit over container runtime lines, Filebeat documents exported from Elasticsearch).
///
/// An event sent as a string is unescaped into a reusable buffer and decoded there; a GKE
/// entry is rewritten as a native event (``GKELogEntry``). Events are handed on with the buffer they
/// lie in, which stays unchanged until `emit` returns. Each record is first tried in the shape the
/// one before it had (files are rarely mixed), and its shape is found anew when it does not fit.
/// One per decode thread: it owns its buffers.
final class RecordDecoder {
    typealias Emit = (inout ScannedEvent, UnsafePointer<UInt8>) -> Void
    typealias Note = (RecordNote, SourceFormat) -> Void

    /// The format every record must have (`--format`), or nil to find it.
    var forced: SourceFormat?
    /// How the last record was unwrapped: tried first on the next.
    private var expected: Shape?
    /// The format of the last event, for naming what goes wrong in the records after it.
    private var lastFormat: SourceFormat?
    private let native = NativeEventDecoder()
    private let levels: [Buffers]
    /// The pieces of a line a container runtime or Docker split (`P` lines), joined.
    private let pieces = ByteScratch()
    private var pieceFormat: SourceFormat?
    private var touchedPieces = false
    private var outcomes = 0

    /// Envelopes inside envelopes deeper than this are refused (Fluent Bit over CRI over … is 2).
    static let maximumDepth = 4

    private final class Buffers {
        let message = ByteScratch()
        let log = ByteScratch()
        let transcoded = ByteScratch()
        /// The events scanned in `message` and `log` once unescaped (kept here, not copied around:
        /// an event is a large value).
        var messageEvent = ScannedEvent()
        var logEvent = ScannedEvent()
    }

    init(forced: SourceFormat? = nil) {
        self.forced = forced
        levels = (0...Self.maximumDepth).map { _ in Buffers() }
    }

    /// Whether the last record was a piece of a split line whose rest is still to come.
    var isHoldingPieces: Bool { pieceFormat != nil }

    /// Decodes the record in `start..<end` of `base`: every event to `emit`, everything else to `note`.
    func decode(_ base: UnsafePointer<UInt8>, start: Int, end: Int, emit: Emit, note: Note) {
        outcomes = 0
        touchedPieces = false
        decodeRecord(base, start: start, end: end, depth: 0, label: forced, emit, note)
        if outcomes == 0 && !touchedPieces { tell(.skipped(.notAuditEvent), currentFormat, note) }
    }

    /// Decodes the pieces held of a split line that never ended (the line that should end it is
    /// missing, or the member ends): whatever they hold is counted, usually as cut off.
    func flushPieces(emit: Emit, note: Note) {
        guard let format = pieceFormat else { return }
        outcomes = 0
        pieceFormat = nil
        decodeRecord(pieces.base, start: 0, end: pieces.count, depth: 1, label: format, emit, note)
        pieces.count = 0
        if outcomes == 0 { tell(.skipped(.cutOff), format, note) }
    }

    /// Forgets what the records before said about the next: a new chunk starts (chunks of any file
    /// come in any order, and what a chunk decodes to must not depend on which came before).
    func reset() {
        expected = nil
        lastFormat = nil
        pieceFormat = nil
        pieces.count = 0
    }

    /// The format records are in as far as this decoder knows: for naming what goes wrong.
    var currentFormat: SourceFormat { forced ?? lastFormat ?? .native }

    // MARK: - Values

    /// What became of one JSON value of a record, beyond the events and notes it already sent.
    private enum ValueResult {
        case decoded
        /// JSON, but not an event: counted only if nothing else in the record was.
        case notEvent(SkipReason, SourceFormat)
        /// Not complete JSON: the rest of the record cannot be read.
        case failed(SkipReason, SourceFormat)
    }

    /// Decodes one record: one or more JSON values, or a prefixed line. A record gets at most one
    /// reason of its own: broken JSON wins over a value that is not an event.
    private func decodeRecord(_ base: UnsafePointer<UInt8>, start: Int, end: Int, depth: Int, label: SourceFormat?,
                              _ emit: Emit, _ note: Note)
    {
        var scanner = JSONScanner(base: base, start: start, end: end)
        scanner.skipWhitespace()
        guard !scanner.isAtEnd else { return }
        let first = scanner.current
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            decodePrefixed(base, start: scanner.position, end: end, depth: depth, label: label, emit, note)
            return
        }
        let before = outcomes
        var notEvent: (SkipReason, SourceFormat)?
        // Several values in one record (`}{`) are concatenated JSON, each taken as written.
        while !scanner.isAtEnd {
            let result: ValueResult
            switch scanner.current {
            case UInt8(ascii: "{"): result = decodeObject(&scanner, depth: depth, label: label, emit, note)
            case UInt8(ascii: "["): result = decodeArray(&scanner, depth: depth, label: label, emit, note)
            default: result = .failed(.notJSON, label ?? currentFormat)
            }
            switch result {
            case .decoded:
                break
            case let .notEvent(reason, format):
                if notEvent == nil { notEvent = (reason, format) }
            case let .failed(reason, format):
                tell(.skipped(reason), format, note)
                return
            }
            scanner.skipWhitespace()
        }
        if let notEvent, outcomes == before { tell(.skipped(notEvent.0), notEvent.1, note) }
    }

    /// A JSON array: each element decoded on its own (events, LogEntries, AKS records, a Logs
    /// Insights row's cells).
    private func decodeArray(_ scanner: inout JSONScanner, depth: Int, label: SourceFormat?,
                             _ emit: Emit, _ note: Note) -> ValueResult
    {
        let base = scanner.base
        do throws(ScanFailure) {
            try scanner.forEachElement { element throws(ScanFailure) in
                let span = try element.skipValue()
                switch base[span.start] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    decodeRecord(base, start: span.start, end: span.end, depth: depth, label: label, emit, note)
                default:
                    tell(.skipped(.notAuditEvent), label ?? currentFormat, note)
                }
            }
            return .decoded
        } catch {
            return .failed(Self.reason(error), label ?? currentFormat)
        }
    }

    /// One object: an event or `EventList`, or an envelope.
    private func decodeObject(_ scanner: inout JSONScanner, depth: Int, label: SourceFormat?,
                              _ emit: Emit, _ note: Note) -> ValueResult
    {
        let base = scanner.base
        let restricted = depth == 0 ? forced : nil
        let onlyNative = restricted == .native || restricted == .eventList
        let nativeFirst = restricted.map { $0.shapes.contains(.native) }
            ?? (depth > 0 || expected.map { $0 == .native } ?? Self.opensLikeAnEvent(scanner))
        if nativeFirst {
            var attempt = scanner
            let native = self.native
            do throws(ScanFailure) {
                let outcome = try native.decodeObject(&attempt) { event in self.send(&event, base, label, emit) }
                if case .events = outcome {
                    scanner = attempt
                    if depth == 0 { expected = .native }
                    return .decoded
                }
                if onlyNative {
                    scanner = attempt
                    return .notEvent(.notInGivenFormat, label ?? currentFormat)
                }
            } catch {
                if onlyNative { return .failed(Self.reason(error), label ?? currentFormat) }
                // Perhaps an envelope: its scan says what is wrong.
            }
        }
        var envelope = Envelope()
        var attempt = scanner
        do throws(ScanFailure) {
            try scanEnvelope(&attempt, into: &envelope, depth: depth, label: label, emit, note)
        } catch {
            return .failed(Self.reason(error), label ?? envelope.inline ?? currentFormat)
        }
        scanner = attempt
        if envelope.inline != nil {
            if depth == 0 { expected = .recordList }
            return .decoded
        }
        let shape: Shape?
        if let restricted {
            shape = restricted.shapes.first { $0 != .native && envelope.has($0) }
            guard shape != nil else { return .notEvent(.notInGivenFormat, restricted) }
        } else if let expected, expected != .native, envelope.has(expected) {
            shape = expected
        } else {
            shape = envelope.shape
        }
        guard let shape else { return .notEvent(.notAuditEvent, label ?? currentFormat) }
        if depth == 0 { expected = shape }
        unwrap(envelope, as: shape, base: base, depth: depth, label: label, emit, note)
        return .decoded
    }

    // MARK: - Envelopes

    /// The parts of an envelope object the unwrapping needs, found in one scan. Strings that may
    /// carry an event are unescaped during that scan, into the level's buffers.
    private struct Envelope {
        var keys = EnvelopeKeys()
        var keyCount = 0
        var start = 0
        var end = 0
        /// Set when the object held an array of records (`records`, `events`, `logEvents`,
        /// `results`), decoded as it was scanned: the format it gave.
        var inline: SourceFormat?
        var messageObject = ValueSpan()
        var logObject = ValueSpan()
        var category = StringSpan.absent
        var messageType = StringSpan.absent
        var logStream = StringSpan.absent
        var field = StringSpan.absent
        var source = ValueSpan()
        var kubernetesAudit = ValueSpan()
        /// A subscription record's `logEvents` met before its `messageType`: decoded after the scan.
        var logEvents = ValueSpan()
        var gke = GKELogEntry.Fields()

        func has(_ shape: Shape) -> Bool {
            switch shape {
            case .native: keys.contains(.auditID) || keys.contains(.items)
            case .aksRecord: keys.contains(.properties) || (keys.contains(.category) && keys.contains(.operationName))
            case .cloudWatchEvent:
                keys.contains(.atMessage)
                    || (keys.contains(.message) && !keys.isDisjoint(with: [.logStream, .ingestionTime, .eventId]))
            case .firehoseMessage: keys.contains(.messageType)
            case .insightsCell: keys.contains(.field) && keys.contains(.value)
            case .filebeatDocument:
                keys.contains(.source) || keys.contains(.kubernetesAudit)
                    || (keys.contains(.message) && keys.contains(.elastic))
            case .messageField: keys.contains(.message)
            case .logField: keys.contains(.log)
            case .gkeEntry: keys.contains(.protoPayload) || (keys.contains(.insertId) && keys.contains(.logName))
            case .recordList: inline != nil
            }
        }

        /// The shape the keys say this is, the most specific first.
        var shape: Shape? {
            let order: [Shape] = [.gkeEntry, .aksRecord, .firehoseMessage, .cloudWatchEvent, .insightsCell,
                                  .filebeatDocument, .logField, .messageField, .native]
            return order.first { has($0) }
        }

        /// Docker's json-file writes exactly `log`, `stream` and `time`.
        var isDocker: Bool { keys.contains(.log) && keys.contains(.stream) && keys.contains(.time) && keyCount == 3 }
    }

    private struct EnvelopeKeys: OptionSet {
        var rawValue: UInt32
        static let message = EnvelopeKeys(rawValue: 1 << 0)
        static let atMessage = EnvelopeKeys(rawValue: 1 << 1)
        static let log = EnvelopeKeys(rawValue: 1 << 2)
        static let properties = EnvelopeKeys(rawValue: 1 << 3)
        static let category = EnvelopeKeys(rawValue: 1 << 4)
        static let operationName = EnvelopeKeys(rawValue: 1 << 5)
        static let messageType = EnvelopeKeys(rawValue: 1 << 6)
        static let logStream = EnvelopeKeys(rawValue: 1 << 7)
        static let ingestionTime = EnvelopeKeys(rawValue: 1 << 8)
        static let eventId = EnvelopeKeys(rawValue: 1 << 9)
        static let field = EnvelopeKeys(rawValue: 1 << 10)
        static let value = EnvelopeKeys(rawValue: 1 << 11)
        static let source = EnvelopeKeys(rawValue: 1 << 12)
        static let kubernetesAudit = EnvelopeKeys(rawValue: 1 << 13)
        static let elastic = EnvelopeKeys(rawValue: 1 << 14)
        static let stream = EnvelopeKeys(rawValue: 1 << 15)
        static let time = EnvelopeKeys(rawValue: 1 << 16)
        static let protoPayload = EnvelopeKeys(rawValue: 1 << 17)
        static let insertId = EnvelopeKeys(rawValue: 1 << 18)
        static let logName = EnvelopeKeys(rawValue: 1 << 19)
        static let auditID = EnvelopeKeys(rawValue: 1 << 20)
        static let items = EnvelopeKeys(rawValue: 1 << 21)
        /// `log` or `@message`/`message`/`value` was a string, unescaped into the level's buffer.
        static let logText = EnvelopeKeys(rawValue: 1 << 22)
        static let messageText = EnvelopeKeys(rawValue: 1 << 23)
        /// That string was one event, scanned as it was unescaped (the level's `logEvent`, `messageEvent`).
        static let logEvent = EnvelopeKeys(rawValue: 1 << 24)
        static let messageEvent = EnvelopeKeys(rawValue: 1 << 25)
    }

    /// How an envelope holds its event.
    enum Shape: Equatable {
        /// The object is the event (or an `EventList`), perhaps with a shipper's keys merged in.
        case native
        /// AKS: `properties.log`; records of other categories are passed over.
        case aksRecord
        /// A CloudWatch event: `message` (or a Logs Insights `@message`).
        case cloudWatchEvent
        /// A CloudWatch Logs subscription record: `logEvents` (decoded while scanning), or a control message.
        case firehoseMessage
        /// One cell of a Logs Insights result row: `{"field":"@message","value":…}` holds the event.
        case insightsCell
        /// A Filebeat or Elastic document: `_source`, `message`, or `kubernetes.audit`.
        case filebeatDocument
        /// Vector and generic shippers: `message`.
        case messageField
        /// Fluent Bit, Fluentd, Docker: `log`.
        case logField
        /// A GKE `LogEntry`.
        case gkeEntry
        /// An object holding a list of records (`records`, `events`, `logEvents`, `results`).
        case recordList
    }

    /// Scans an envelope object's members, unescaping candidate payloads and decoding arrays of
    /// records as they come (so that the records before a cut are kept).
    private func scanEnvelope(_ scanner: inout JSONScanner, into envelope: inout Envelope, depth: Int,
                              label: SourceFormat?, _ emit: Emit, _ note: Note) throws(ScanFailure)
    {
        unowned(unsafe) let buffers = levels[depth]
        buffers.message.count = 0
        buffers.log.count = 0
        envelope.start = scanner.position
        let restricted = depth == 0 ? forced : nil
        try scanner.forEachMember { key, value throws(ScanFailure) in
            envelope.keyCount += 1
            envelope.keys.formUnion(Self.marker(key, value))
            switch key.count {
            case 3 where value.equals(key, "log"): try capture(&value, .log, buffers, depth: depth, in: &envelope)
            case 5 where value.equals(key, "field"): envelope.field = try value.stringOrAbsent()
            case 5 where value.equals(key, "value"): try capture(&value, .message, buffers, depth: depth, in: &envelope)
            case 6 where value.equals(key, "labels"): envelope.gke.labels = try value.skipValue()
            case 7 where value.equals(key, "message"): try capture(&value, .message, buffers, depth: depth, in: &envelope)
            case 7 where value.equals(key, "_source"): envelope.source = try value.objectOrAbsent()
            case 8 where value.equals(key, "@message"): try capture(&value, .message, buffers, depth: depth, in: &envelope)
            case 8 where value.equals(key, "category"): envelope.category = try value.stringOrAbsent()
            case 8 where value.equals(key, "insertId"): envelope.gke.insertId = try value.stringOrAbsent()
            case 9 where value.equals(key, "logStream"), 13 where value.equals(key, "logStreamName"):
                envelope.logStream = try value.stringOrAbsent()
            case 9 where value.equals(key, "timestamp"): envelope.gke.timestamp = try value.stringOrAbsent()
            case 9 where value.equals(key, "operation"): envelope.gke.operation = try value.skipValue()
            case 11 where value.equals(key, "messageType"): envelope.messageType = try value.stringOrAbsent()
            case 12 where value.equals(key, "protoPayload"): envelope.gke.protoPayload = try value.skipValue()
            case 10 where value.equals(key, "properties"):
                try value.forEachMemberOfObject { key, inner throws(ScanFailure) in
                    // Not `.log`: a `properties.log` makes an AKS record, never a shipper's.
                    if inner.equals(key, "log") {
                        try capture(&inner, .log, buffers, depth: depth, in: &envelope)
                    } else {
                        _ = try inner.skipValue()
                    }
                }
            case 10 where value.equals(key, "kubernetes"):
                envelope.kubernetesAudit = try auditMember(&value)
                if envelope.kubernetesAudit.isPresent { envelope.keys.insert(.kubernetesAudit) }
            case 6 where value.equals(key, "events"), 7 where value.equals(key, "records"),
                 7 where value.equals(key, "results"):
                // Lists of records: AKS Event Hub messages, `aws logs` output, Logs Insights rows.
                let (shape, format): (Shape?, SourceFormat) = key.count == 6 ? (.cloudWatchEvent, .eksCloudWatch)
                    : value.equals(key, "records") ? (.aksRecord, .aks) : (nil, .eksCloudWatch)
                try decodeRecords(&value, shape: shape, format: format, envelope: &envelope, restricted: restricted,
                                  depth: depth, label: label, emit, note)
            case 9 where value.equals(key, "logEvents"):
                try decodeLogEvents(&value, envelope: &envelope, restricted: restricted, depth: depth, label: label,
                                    emit, note)
            default:
                _ = try value.skipValue()
            }
        }
        envelope.end = scanner.position
        if envelope.logEvents.isPresent {
            var events = JSONScanner(base: scanner.base, start: envelope.logEvents.start, end: envelope.logEvents.end)
            try decodeLogEvents(&events, envelope: &envelope, restricted: restricted, depth: depth, label: label,
                                emit, note)
        }
    }

    /// Where an envelope may carry its event as a string: `message` (`@message`, `value`), or `log`.
    private enum Slot { case message, log }

    /// Keeps what may carry the event: a string unescaped into the slot's buffer, or an object's span.
    private func capture(_ value: inout JSONScanner, _ slot: Slot, _ buffers: Buffers, depth: Int,
                         in envelope: inout Envelope) throws(ScanFailure)
    {
        if value.current == UInt8(ascii: "\"") {
            let text = slot == .log ? buffers.log : buffers.message
            text.count = 0
            try value.scanStringUnescaped(into: text)
            // The event is one level down: scanned now only within the nesting limit.
            let held = depth < Self.maximumDepth && (slot == .log
                ? scanEvent(in: text, event: &buffers.logEvent)
                : scanEvent(in: text, event: &buffers.messageEvent))
            if held { envelope.keys.insert(slot == .log ? .logEvent : .messageEvent) }
            envelope.keys.insert(slot == .log ? .logText : .messageText)
        } else if slot == .log {
            envelope.logObject = try value.objectOrAbsent()
        } else {
            envelope.messageObject = try value.objectOrAbsent()
        }
    }

    /// The unescaped string in `text` as one audit event: nearly every carried event is one, and is
    /// read here once. False when the string holds anything else (a batch, a prefixed line, text,
    /// broken JSON): the caller finds out what it is.
    private func scanEvent(in text: ByteScratch, event: inout ScannedEvent) -> Bool {
        var scanner = JSONScanner(base: text.base, start: 0, end: text.count)
        scanner.skipWhitespace()
        guard !scanner.isAtEnd, scanner.current == UInt8(ascii: "{") else { return false }
        do throws(ScanFailure) {
            try native.scanEvent(&scanner, into: &event)
        } catch {
            return false
        }
        guard event.looksLikeEvent, !event.items.isPresent else { return false }
        scanner.skipWhitespace()
        return scanner.isAtEnd
    }

    /// What the presence of a key says about the envelope's shape.
    private static func marker(_ key: StringSpan, _ scanner: JSONScanner) -> EnvelopeKeys {
        switch key.count {
        case 3 where scanner.equals(key, "log"): .log
        case 3 where scanner.equals(key, "ecs"): .elastic
        case 4 where scanner.equals(key, "time"): .time
        case 5 where scanner.equals(key, "items"): .items
        case 5 where scanner.equals(key, "field"): .field
        case 5 where scanner.equals(key, "value"): .value
        case 5 where scanner.equals(key, "agent") || scanner.equals(key, "input"): .elastic
        case 6 where scanner.equals(key, "stream"): .stream
        case 7 where scanner.equals(key, "message"): .message
        case 7 where scanner.equals(key, "_source"): .source
        case 7 where scanner.equals(key, "auditID"): .auditID
        case 7 where scanner.equals(key, "logName"): .logName
        case 7 where scanner.equals(key, "eventId"): .eventId
        case 8 where scanner.equals(key, "@message"): .atMessage
        case 8 where scanner.equals(key, "category"): .category
        case 8 where scanner.equals(key, "insertId"): .insertId
        case 9 where scanner.equals(key, "logStream"): .logStream
        case 10 where scanner.equals(key, "properties"): .properties
        case 11 where scanner.equals(key, "messageType"): .messageType
        case 12 where scanner.equals(key, "protoPayload"): .protoPayload
        case 13 where scanner.equals(key, "logStreamName"): .logStream
        case 13 where scanner.equals(key, "ingestionTime"): .ingestionTime
        case 13 where scanner.equals(key, "operationName"): .operationName
        default: []
        }
    }

    /// Elastic's decoded event: `kubernetes.audit`.
    private func auditMember(_ value: inout JSONScanner) throws(ScanFailure) -> ValueSpan {
        var audit = ValueSpan()
        try value.forEachMemberOfObject { key, inner throws(ScanFailure) in
            if inner.equals(key, "audit") {
                audit = try inner.objectOrAbsent()
            } else {
                _ = try inner.skipValue()
            }
        }
        return audit
    }

    /// An array of records inside an envelope, each decoded as it is reached: `shape` for objects
    /// (nil: any, as for Logs Insights rows).
    private func decodeRecords(_ value: inout JSONScanner, shape: Shape?, format: SourceFormat,
                               envelope: inout Envelope, restricted: SourceFormat?, depth: Int, label: SourceFormat?,
                               _ emit: Emit, _ note: Note) throws(ScanFailure)
    {
        guard value.current == UInt8(ascii: "["), restricted == nil || restricted == format else {
            _ = try value.skipValue()
            return
        }
        envelope.inline = format
        let tag = label ?? format
        guard depth < Self.maximumDepth else {
            _ = try value.skipValue()
            tell(.skipped(.nestedTooDeep), tag, note)
            return
        }
        try value.forEachElement { element throws(ScanFailure) in
            try decodeElement(&element, shape: shape, depth: depth + 1, tag: tag, emit, note)
        }
    }

    /// A subscription record's `logEvents`: each one's `message` is an event. A control message's
    /// are health checks, and a record of another log stream holds logs: both are passed over.
    private func decodeLogEvents(_ value: inout JSONScanner, envelope: inout Envelope, restricted: SourceFormat?,
                                 depth: Int, label: SourceFormat?, _ emit: Emit, _ note: Note) throws(ScanFailure)
    {
        let scanner = JSONScanner(base: value.base, start: 0, end: 0)
        guard envelope.messageType.isPresent || envelope.logEvents.isPresent else {
            // Firehose writes `messageType` first; a re-serialized record may not.
            envelope.logEvents = try value.skipValue()
            return
        }
        if envelope.messageType.isPresent, scanner.equals(envelope.messageType, "CONTROL_MESSAGE") {
            _ = try value.skipValue()
            envelope.keys.insert(.messageType)
            return
        }
        if envelope.logStream.isPresent, !Self.isAuditStream(envelope.logStream, value.base) {
            _ = try value.skipValue()
            envelope.inline = .eksFirehose
            tell(.passedOver(.otherLogCategory), label ?? .eksFirehose, note)
            return
        }
        envelope.keys.insert(.messageType)
        try decodeRecords(&value, shape: .cloudWatchEvent, format: .eksFirehose, envelope: &envelope,
                          restricted: restricted, depth: depth, label: label, emit, note)
    }

    /// One record of a list, scanned where it lies (a second pass over each would cost as much as
    /// decoding it). JSON broken inside it ends the list: the records before it are kept.
    private func decodeElement(_ element: inout JSONScanner, shape: Shape?, depth: Int, tag: SourceFormat,
                               _ emit: Emit, _ note: Note) throws(ScanFailure)
    {
        let before = outcomes
        let base = element.base
        if let shape, element.current == UInt8(ascii: "{") {
            var envelope = Envelope()
            try scanEnvelope(&element, into: &envelope, depth: depth, label: tag, emit, note)
            // A subscription's log events have only `id`, `timestamp` and `message`.
            if envelope.inline == nil {
                if envelope.has(shape) || (shape == .cloudWatchEvent && envelope.has(.messageField)) {
                    unwrap(envelope, as: shape, base: base, depth: depth, label: tag, emit, note)
                } else {
                    tell(.skipped(.notAuditEvent), tag, note)
                }
            }
        } else {
            let span = try element.skipValue()
            if shape == nil, base[span.start] == UInt8(ascii: "[") || base[span.start] == UInt8(ascii: "{") {
                decodeRecord(base, start: span.start, end: span.end, depth: depth, label: tag, emit, note)
            }
        }
        if outcomes == before { tell(.skipped(.notAuditEvent), tag, note) }
    }

    // MARK: - Unwrapping

    private func unwrap(_ envelope: Envelope, as shape: Shape, base: UnsafePointer<UInt8>, depth: Int,
                        label: SourceFormat?, _ emit: Emit, _ note: Note)
    {
        unowned(unsafe) let buffers = levels[depth]
        let scanner = JSONScanner(base: base, start: 0, end: 0)
        switch shape {
        case .native:
            var objectScanner = JSONScanner(base: base, start: envelope.start, end: envelope.end)
            let native = self.native
            let outcome = try? native.decodeObject(&objectScanner) { event in self.send(&event, base, label, emit) }
            if case .events = outcome { return }
            tell(.skipped(.notAuditEvent), label ?? .native, note)
        case .aksRecord:
            let tag = label ?? .aks
            if envelope.category.isPresent, !scanner.equals(envelope.category, "kube-audit"),
               !scanner.equals(envelope.category, "kube-audit-admin")
            {
                tell(.passedOver(.otherLogCategory), tag, note)
                return
            }
            payload(envelope, held: envelope.keys.contains(.logEvent) ? .log : nil, text: envelope.keys.contains(.logText) ? buffers.log : nil,
                    object: envelope.logObject,
                    base: base, depth: depth, tag: tag, emit, note)
        case .cloudWatchEvent, .insightsCell:
            let tag = label ?? .eksCloudWatch
            if shape == .insightsCell {
                guard envelope.field.isPresent, scanner.equals(envelope.field, "@message") else { return }
            } else if envelope.logStream.isPresent, !Self.isAuditStream(envelope.logStream, base) {
                tell(.passedOver(.otherLogCategory), tag, note)
                return
            }
            payload(envelope, held: envelope.keys.contains(.messageEvent) ? .message : nil,
                    text: envelope.keys.contains(.messageText) ? buffers.message : nil,
                    object: envelope.messageObject, base: base, depth: depth, tag: tag, emit, note)
        case .firehoseMessage:
            let tag = label ?? .eksFirehose
            if envelope.messageType.isPresent, scanner.equals(envelope.messageType, "CONTROL_MESSAGE") {
                tell(.passedOver(.controlMessage), tag, note)
            } else {
                tell(.skipped(.notAuditEvent), tag, note)
            }
        case .filebeatDocument:
            let tag = label ?? .filebeat
            if envelope.source.isPresent {
                decodeNested(base, envelope.source, depth: depth, tag: tag, emit, note)
            } else if envelope.keys.contains(.messageText), Self.startsJSON(buffers.message) || !envelope.kubernetesAudit.isPresent {
                payload(envelope, held: envelope.keys.contains(.messageEvent) ? .message : nil, text: buffers.message, object: ValueSpan(), base: base,
                        depth: depth, tag: tag, emit, note)
            } else {
                payload(envelope, held: nil, text: nil,
                        object: envelope.kubernetesAudit.isPresent ? envelope.kubernetesAudit : envelope.messageObject,
                        base: base, depth: depth, tag: tag, emit, note)
            }
        case .messageField:
            payload(envelope, held: envelope.keys.contains(.messageEvent) ? .message : nil,
                    text: envelope.keys.contains(.messageText) ? buffers.message : nil,
                    object: envelope.messageObject, base: base, depth: depth, tag: label ?? .vector, emit, note)
        case .logField:
            let docker = envelope.isDocker
            let tag = label ?? (docker ? .docker : .fluent)
            if docker, depth == 0, envelope.keys.contains(.logText) {
                // Docker splits lines longer than 16 KiB; only the last piece ends in a newline.
                let text = buffers.log
                let ends = text.count > 0 && text.pointer[text.count - 1] == 0x0A
                if !ends || pieceFormat != nil {
                    addPiece(text.base, count: text.count, continues: !ends, tag: tag, depth: depth, emit, note)
                    return
                }
            }
            payload(envelope, held: envelope.keys.contains(.logEvent) ? .log : nil, text: envelope.keys.contains(.logText) ? buffers.log : nil,
                    object: envelope.logObject,
                    base: base, depth: depth, tag: tag, emit, note)
        case .recordList:
            break
        case .gkeEntry:
            let tag = label ?? .gke
            let output = buffers.transcoded
            let outcome: GKELogEntry.Outcome
            do throws(ScanFailure) {
                outcome = try GKELogEntry.transcode(envelope.gke, base: base, into: output)
            } catch {
                tell(.skipped(Self.reason(error)), tag, note)
                return
            }
            switch outcome {
            case .event:
                var eventScanner = JSONScanner(base: output.base, start: 0, end: output.count)
                let native = self.native
                let decoded = try? native.decodeObject(&eventScanner) { event in self.send(&event, output.base, tag, emit) }
                if case .events = decoded { return }
                tell(.skipped(.notAuditEvent), tag, note)
            case let .cloudOperation(operation):
                tell(.cloudOperation(operation), tag, note)
            case .notAuditEvent:
                tell(.skipped(.notAuditEvent), tag, note)
            }
        }
    }

    /// Decodes the event an envelope carries: the event already scanned into `text` (`held`),
    /// unescaped `text`, or an `object` in place.
    private func payload(_ envelope: Envelope, held: Slot?, text: ByteScratch?, object: ValueSpan,
                         base: UnsafePointer<UInt8>, depth: Int, tag: SourceFormat, _ emit: Emit, _ note: Note)
    {
        if let held, let text {
            unowned(unsafe) let buffers = levels[depth]
            if held == .log {
                send(&buffers.logEvent, text.base, tag, emit)
            } else {
                send(&buffers.messageEvent, text.base, tag, emit)
            }
        } else if let text {
            // CloudWatch Logs cuts events over 256 KiB and says so at the end.
            if text.hasSuffix("[Truncated...]") {
                tell(.skipped(.truncatedUpstream), tag, note)
                return
            }
            decodeNested(text.base, ValueSpan(start: 0, end: text.count), depth: depth, tag: tag, emit, note)
        } else if object.isPresent {
            decodeNested(base, object, depth: depth, tag: tag, emit, note)
        } else {
            tell(.skipped(.notAuditEvent), tag, note)
        }
    }

    /// Decodes what an envelope at `depth` carries, one level down; something is always counted.
    private func decodeNested(_ base: UnsafePointer<UInt8>, _ span: ValueSpan, depth: Int, tag: SourceFormat,
                              _ emit: Emit, _ note: Note)
    {
        guard depth < Self.maximumDepth else {
            tell(.skipped(.nestedTooDeep), tag, note)
            return
        }
        let before = outcomes
        decodeRecord(base, start: span.start, end: span.end, depth: depth + 1, label: tag, emit, note)
        if outcomes == before { tell(.skipped(.notAuditEvent), tag, note) }
    }

    // MARK: - Line prefixes

    private func decodePrefixed(_ base: UnsafePointer<UInt8>, start: Int, end: Int, depth: Int, label: SourceFormat?,
                                _ emit: Emit, _ note: Note)
    {
        guard let match = LinePrefix.match(base, start: start, end: end, forced: depth == 0 ? forced : nil) else {
            tell(.skipped(depth == 0 && forced != nil ? .notInGivenFormat : .notJSON), label ?? currentFormat, note)
            return
        }
        let tag = label ?? match.format
        if match.format == .cri, depth == 0 {
            // A runtime splits lines longer than 16 KiB into `P` pieces ended by an `F` line.
            if match.continues || pieceFormat != nil {
                addPiece(base + match.payload, count: end - match.payload, continues: match.continues, tag: tag,
                         depth: depth, emit, note)
                return
            }
        }
        if match.timedArray {
            // `[<time>, {record}]`: the record is the second element.
            var scanner = JSONScanner(base: base, start: match.payload, end: end)
            do throws(ScanFailure) {
                try scanner.expect(UInt8(ascii: "["))
                _ = try scanner.skipValue()
                try scanner.expect(UInt8(ascii: ","))
                let record = try scanner.skipValue()
                decodeNested(base, record, depth: depth, tag: tag, emit, note)
            } catch {
                tell(.skipped(Self.reason(error)), tag, note)
            }
            return
        }
        decodeNested(base, ValueSpan(start: match.payload, end: end), depth: depth, tag: tag, emit, note)
    }

    /// Adds a piece of a split line; the last piece decodes the joined line.
    private func addPiece(_ bytes: UnsafePointer<UInt8>, count: Int, continues: Bool, tag: SourceFormat, depth: Int,
                          _ emit: Emit, _ note: Note)
    {
        touchedPieces = true
        pieces.append(bytes, count: count)
        guard !continues else {
            pieceFormat = tag
            return
        }
        pieceFormat = nil
        decodeNested(pieces.base, ValueSpan(start: 0, end: pieces.count), depth: depth, tag: tag, emit, note)
        pieces.count = 0
    }

    // MARK: - Helpers

    @inline(__always)
    private func send(_ event: inout ScannedEvent, _ base: UnsafePointer<UInt8>, _ label: SourceFormat?, _ emit: Emit) {
        if let label { event.format = label }
        lastFormat = event.format
        outcomes += 1
        emit(&event, base)
    }

    private func tell(_ what: RecordNote, _ format: SourceFormat, _ note: Note) {
        outcomes += 1
        note(what, format)
    }

    /// Whether the object at the scanner starts with a key an audit event or `EventList` starts with
    /// (the first record of a chunk: an envelope is not scanned as an event first for nothing).
    private static func opensLikeAnEvent(_ scanner: JSONScanner) -> Bool {
        var peek = scanner
        guard (try? peek.expect(UInt8(ascii: "{"))) != nil else { return true }
        peek.skipWhitespace()
        guard !peek.isAtEnd, peek.current == UInt8(ascii: "\""), let key = try? peek.scanString() else { return true }
        return peek.equals(key, "kind") || peek.equals(key, "apiVersion") || peek.equals(key, "level")
            || peek.equals(key, "auditID") || peek.equals(key, "stage") || peek.equals(key, "metadata")
            || peek.equals(key, "items") || peek.equals(key, "verb") || peek.equals(key, "requestURI")
    }

    static func reason(_ failure: ScanFailure) -> SkipReason {
        switch failure {
        case .unexpectedEnd: .cutOff
        case .tooDeep: .nestedTooDeep
        case .unexpectedByte: .notJSON
        }
    }

    /// Whether an EKS log stream holds audit events: EKS's other control-plane streams
    /// (`kube-apiserver-…`, `authenticator-…`, `kube-controller-manager-…`, `kube-scheduler-…`,
    /// `cloud-controller-manager-…`) hold logs. Any other name (a group of one's own) is read.
    private static func isAuditStream(_ span: StringSpan, _ base: UnsafePointer<UInt8>) -> Bool {
        // Compared as bytes: a generic `starts(with:)` over a `String.UTF8View` cost 1 % of an `aws logs` run.
        func starts(with prefix: StaticString) -> Bool {
            guard span.count >= prefix.utf8CodeUnitCount else { return false }
            for offset in 0..<prefix.utf8CodeUnitCount where base[span.start + offset] != prefix.utf8Start[offset] {
                return false
            }
            return true
        }
        if starts(with: "kube-apiserver-audit") { return true }
        return !(starts(with: "kube-apiserver-") || starts(with: "authenticator-") || starts(with: "kube-controller-manager-")
            || starts(with: "kube-scheduler-") || starts(with: "cloud-controller-manager-"))
    }

    private static func startsJSON(_ text: ByteScratch) -> Bool {
        var index = 0
        while index < text.count, LineChunker.isWhitespace(text.pointer[index]) { index += 1 }
        return index < text.count && (text.pointer[index] == UInt8(ascii: "{") || text.pointer[index] == UInt8(ascii: "["))
    }
}

extension SourceFormat {
    /// The envelopes a record in this format may have (with `--format`).
    var shapes: [RecordDecoder.Shape] {
        switch self {
        case .native, .eventList: [.native]
        case .eksCloudWatch: [.cloudWatchEvent, .insightsCell]
        case .eksFirehose: [.firehoseMessage]
        case .gke: [.gkeEntry]
        case .aks: [.aksRecord]
        case .fluent: [.native, .logField]
        case .docker: [.logField]
        case .vector: [.native, .messageField]
        case .filebeat: [.native, .filebeatDocument]
        case .eksExport, .cri, .syslog: []
        }
    }
}
