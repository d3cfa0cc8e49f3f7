/// `matches.bin`: a shard's rule matches (``RuleHit``) and dropped copies of events (``EventCopy``).
///
/// Binary for the same reason as `requests.bin`: after the requests they are the bulk of a bundle,
/// and JSON made them the shard's costliest output and the merge's costliest input. Every text is
/// stored once, in a table the records point into (a user, a namespace, an audit id matched by
/// several rules recur many times), and the merge's copies of it share one string.
///
/// Layout: the magic `KSMAT001` (the last three digits are the version), then three sections, each
/// an element count and a byte length (unsigned LEB128 varints) and its bytes: the texts (each a
/// length and UTF-8), the hits, the copies. Integers are varints (signed ones zigzag-encoded),
/// fingerprints two little-endian 64-bit words, an optional text a varint (0 for none, else its
/// index + 1). Everything is bounds-checked on decoding: a bundle is input too.
package enum MatchCodec {
    static let magic = Array("KSMAT001".utf8)

    static func encode(hits: [RuleHit], copies: [EventCopy]) -> [UInt8] {
        var texts = TextTable()
        var hitBytes = MatchWriter()
        for hit in hits { hitBytes.write(hit, texts: &texts) }
        var copyBytes = MatchWriter()
        for copy in copies { copyBytes.write(copy) }
        return file(magic, texts: texts, sections: [(hits.count, hitBytes), (copies.count, copyBytes)])
    }

    /// - Throws: ``MatchCodecError`` when the bytes are not such a file: cut, padded, or holding a
    ///   value no shard writes.
    static func decode(_ bytes: [UInt8]) throws(MatchCodecError) -> (hits: [RuleHit], copies: [EventCopy]) {
        var hits: [RuleHit] = []
        let copies = try decode(bytes) { hits.append($0) }
        return (hits, copies)
    }

    /// Hands each hit to `hit` as it is decoded (a merge puts them straight into a store that
    /// spills), and returns the copies.
    static func decode(_ bytes: [UInt8], hit: (RuleHit) -> Void) throws(MatchCodecError) -> [EventCopy] {
        var (file, texts) = try open(bytes, magic: magic)
        var hitReader = try file.section()
        for _ in 0..<hitReader.count { hit(try hitReader.reader.hit(texts)) }
        try hitReader.reader.finish("the matches")
        var copyReader = try file.section()
        let copies = try copyReader.reader.list(copyReader.count) { reader throws(MatchCodecError) in try reader.copy() }
        try copyReader.reader.finish("the copies")
        try file.finish("the file")
        return copies
    }

    static let carriedMagic = Array("KSCAR001".utf8)

    /// The requests of open correlation windows as a state keeps them: the magic `KSCAR001`, then,
    /// framed as `matches.bin` is, the texts and the requests (the rule's id, the id of the
    /// correlation each key feeds, the request as a block of correlated requests has it). A few
    /// hundred bytes each, where their JSON took a kilobyte and most of a nightly run's state time.
    static func encode(carried: [CarriedRequest]) -> [UInt8] {
        var texts = TextTable()
        var records = MatchWriter()
        for request in carried {
            records.writeCarried(request.request, ruleID: request.ruleID, correlationIDs: request.correlationIDs,
                                 evidence: request.request.evidence, texts: &texts)
        }
        return file(carriedMagic, texts: texts, sections: [(carried.count, records)])
    }

    /// This run's `requests`, as ``encode(carried:)`` writes the requests a later run reads: rules
    /// named by id, and locations named as evidence (where this run read them means nothing to the
    /// next, nor does its number in this run's assembly).
    static func encode(carrying requests: some Collection<MatchedRequest>, rules: RuleSet, name: MatchedRequest.Namer) -> [UInt8] {
        var texts = TextTable()
        var records = MatchWriter()
        for request in requests {
            records.writeCarried(request, ruleID: rules.detections[request.rule].metadata.id,
                                 correlationIDs: request.keys.lazy.map { rules.correlations[$0.correlation].rule.metadata.id },
                                 evidence: request.allEvidence(name), texts: &texts)
        }
        return file(carriedMagic, texts: texts, sections: [(requests.count, records)])
    }

    /// - Throws: ``MatchCodecError`` when the bytes are not such a block: cut, padded or altered.
    static func decodeCarried(_ bytes: [UInt8]) throws(MatchCodecError) -> [CarriedRequest] {
        var (file, texts) = try open(bytes, magic: carriedMagic)
        var section = try file.section()
        let carried = try section.reader.list(section.count) { reader throws(MatchCodecError) in
            let ruleID = try reader.text(texts)
            let correlationIDs = try reader.list(try reader.count()) { reader throws(MatchCodecError) in try reader.text(texts) }
            return CarriedRequest(ruleID: ruleID, correlationIDs: correlationIDs, request: try reader.request(texts))
        }
        try section.reader.finish("the requests")
        try file.finish("the block")
        return carried
    }

    /// The magic, then the text table and each section: an element count, a byte length, the bytes.
    private static func file(_ magic: [UInt8], texts: TextTable, sections: [(count: Int, bytes: MatchWriter)]) -> [UInt8] {
        var textBytes = MatchWriter()
        for text in texts.texts {
            textBytes.varint(UInt64(text.utf8.count))
            textBytes.bytes += text.utf8
        }
        var file = MatchWriter()
        file.bytes = magic
        for (count, section) in [(texts.texts.count, textBytes)] + sections {
            file.varint(UInt64(count))
            file.varint(UInt64(section.bytes.count))
            file.bytes += section.bytes
        }
        return file.bytes
    }

    /// Checks the magic and reads the text table; returns a reader of the sections after it.
    private static func open(_ bytes: [UInt8], magic: [UInt8]) throws(MatchCodecError) -> (MatchReader, [String]) {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            if bytes.starts(with: magic.prefix(5)) {
                throw MatchCodecError(offset: 5, problem: "version \(String(decoding: bytes.prefix(8).dropFirst(5), as: UTF8.self)), not 001")
            }
            throw MatchCodecError(offset: 0, problem: "it does not start with \(String(decoding: magic, as: UTF8.self))")
        }
        var file = MatchReader(bytes, from: magic.count, to: bytes.count)
        var textReader = try file.section()
        var texts: [String] = []
        texts.reserveCapacity(textReader.count)
        for _ in 0..<textReader.count { texts.append(try textReader.reader.text()) }
        try textReader.reader.finish("the text table")
        return (file, texts)
    }
}

extension MatchCodec {
    // Blocks set aside in a temporary file (``SpillPartitions``): a table of their texts, then the
    // records. Records read back share one copy of each user, namespace and file name: with their
    // own copies, the 230,000 requests of one busy correlation group, counted at once, took more
    // memory than if they had never been written, and decoding them took longer.

    static func encodeBlock(hits: [RuleHit]) -> [UInt8] {
        encodeBlock(hits) { $0.write($1, texts: &$2) }
    }

    static func encodeBlock(requests: [MatchedRequest]) -> [UInt8] {
        encodeBlock(requests) { $0.write($1, texts: &$2) }
    }

    private static func encodeBlock<Record>(_ records: [Record], _ write: (inout MatchWriter, Record, inout TextTable) -> Void)
        -> [UInt8]
    {
        var texts = TextTable()
        var block = MatchWriter()
        for record in records { write(&block, record, &texts) }
        return file([], texts: texts, sections: [(records.count, block)])
    }

    static func decodeHitBlock(_ bytes: [UInt8]) throws(MatchCodecError) -> [RuleHit] {
        try decodeBlock(bytes) { reader, texts throws(MatchCodecError) in try reader.hit(texts) }
    }

    static func decodeRequestBlock(_ bytes: [UInt8]) throws(MatchCodecError) -> [MatchedRequest] {
        try decodeBlock(bytes) { reader, texts throws(MatchCodecError) in try reader.request(texts) }
    }

    private static func decodeBlock<Record>(_ bytes: [UInt8], _ record: (inout MatchReader, [String]) throws(MatchCodecError) -> Record)
        throws(MatchCodecError) -> [Record]
    {
        var (file, texts) = try open(bytes, magic: [])
        var section = try file.section()
        let records = try section.reader.list(section.count) { reader throws(MatchCodecError) in try record(&reader, texts) }
        try section.reader.finish("the records")
        try file.finish("the block")
        return records
    }
}

/// Why `matches.bin` could not be read, and where.
package struct MatchCodecError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The byte offset in the file the problem was found at.
    package var offset: Int
    package var problem: String

    package var description: String { "at byte \(offset): \(problem)" }
}

/// Each distinct text once, in first-use order.
private struct TextTable {
    private(set) var texts: [String] = []
    private var indices: [String: Int] = [:]

    mutating func index(of text: String) -> Int {
        if let index = indices[text] { return index }
        indices[text] = texts.count
        texts.append(text)
        return texts.count - 1
    }
}

private struct MatchWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) { Varint.encode(value, into: &bytes) }

    mutating func count(_ value: Int) { varint(UInt64(value)) }

    mutating func signed(_ value: Int64) { varint(Varint.zigZag(value)) }

    mutating func optionalSigned(_ value: Int64?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        signed(value)
    }

    mutating func text(_ text: String, _ texts: inout TextTable) {
        count(texts.index(of: text))
    }

    mutating func optionalText(_ text: String?, _ texts: inout TextTable) {
        count(text.map { texts.index(of: $0) + 1 } ?? 0)
    }

    mutating func fingerprint(_ fingerprint: Fingerprint) {
        for word in [fingerprint.high, fingerprint.low] { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
    }

    mutating func location(_ location: HitLocation) {
        count(location.member.file)
        count(location.member.member)
        count(location.sequence)
        switch location.line {
        case let .local(line): bytes.append(0); signed(Int64(line))
        case let .absolute(line): bytes.append(1); signed(Int64(line))
        }
    }

    mutating func write(_ copy: EventCopy) {
        fingerprint(copy.request)
        bytes.append(copy.stage.rawValue)
        location(copy.location)
    }

    mutating func write(_ hit: RuleHit, texts: inout TextTable) {
        count(hit.rule)
        fingerprint(hit.request)
        bytes.append(hit.stage.rawValue)
        location(hit.location)
        summary(hit.summary, &texts)
        keys(hit.keys, &texts)
    }

    mutating func write(_ request: MatchedRequest, texts: inout TextTable) {
        write(request, origin: request.origin, locations: request.locations.all, evidence: request.evidence, texts: &texts)
    }

    /// A carried request: its rule's id, the ids of the correlations its keys feed, then the request
    /// with its evidence named and no locations or assembly number.
    mutating func writeCarried(_ request: MatchedRequest, ruleID: String, correlationIDs: some Collection<String>,
                               evidence: [Finding.Evidence], texts: inout TextTable) {
        text(ruleID, &texts)
        count(correlationIDs.count)
        for id in correlationIDs { text(id, &texts) }
        write(request, origin: 0, locations: [], evidence: evidence, texts: &texts)
    }

    private mutating func write(_ request: MatchedRequest, origin: Int, locations: [MatchedRequest.StageLocation],
                                evidence: [Finding.Evidence], texts: inout TextTable) {
        count(request.rule)
        bytes.append(request.latestStage.rawValue)
        varint(UInt64(origin))
        count(locations.count)
        for stageLocation in locations {
            location(stageLocation.location)
            bytes.append(stageLocation.stage.rawValue)
        }
        count(evidence.count)
        for evidence in evidence {
            text(evidence.file, &texts)
            optionalText(evidence.member, &texts)
            signed(Int64(evidence.line))
            optionalText(evidence.sha256, &texts)
            text(evidence.auditID, &texts)
            text(evidence.stage, &texts)
        }
        summary(request.summary, &texts)
        keys(request.keys, &texts)
    }

    private mutating func summary(_ summary: RequestSummary, _ texts: inout TextTable) {
        text(summary.auditID, &texts)
        optionalSigned(summary.time?.microseconds)
        for field in [summary.verb, summary.username] { optionalText(field, &texts) }
        count(summary.groups.map { $0.count + 1 } ?? 0)
        for group in summary.groups ?? [] { text(group, &texts) }
        optionalText(summary.impersonatedUser, &texts)
        count(summary.sourceIPs.count)
        for address in summary.sourceIPs { text(address, &texts) }
        for field in [summary.userAgent, summary.apiGroup, summary.namespace, summary.resource, summary.name, summary.subresource,
                      summary.requestURI, summary.command, summary.decision] {
            optionalText(field, &texts)
        }
        optionalSigned(summary.responseCode.map(Int64.init))
        optionalText(summary.level, &texts)
    }

    private mutating func keys(_ keys: [CorrelationKey], _ texts: inout TextTable) {
        count(keys.count)
        for key in keys {
            count(key.correlation)
            count(key.slot)
            count(key.group.count)
            for group in key.group { text(group, &texts) }
            optionalText(key.value, &texts)
        }
    }
}

/// Reads `bytes[position..<end]`; every read checks it stays inside.
private struct MatchReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        position = start
        self.end = end
    }

    func failure(_ problem: String) -> MatchCodecError { MatchCodecError(offset: position, problem: problem) }

    /// A section's element count and a reader of its bytes alone.
    mutating func section() throws(MatchCodecError) -> (count: Int, reader: MatchReader) {
        let elements = try count()
        let length = try count()
        guard length <= end - position else { throw failure("a section of \(length) bytes runs past the end of the file") }
        // Every element takes at least a byte: a count beyond that is a lie, not an allocation to make.
        guard elements <= length else { throw failure("a section of \(length) bytes claims \(elements) elements") }
        let section = MatchReader(bytes, from: position, to: position + length)
        position += length
        return (elements, section)
    }

    func finish(_ what: String) throws(MatchCodecError) {
        guard position == end else { throw failure("\(end - position) bytes after the end of \(what)") }
    }

    mutating func byte() throws(MatchCodecError) -> UInt8 {
        guard position < end else { throw failure("the data ends in the middle of a record") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(MatchCodecError) -> UInt64 {
        switch Varint.decode(bytes[..<end], at: &position) {
        case let .value(value): return value
        case .truncated: throw failure("the data ends in the middle of a record")
        case .overflow: throw failure("a number overflows 64 bits")
        }
    }

    /// A count or index: at most `Int32.max`, far beyond any real bundle, so arithmetic on it cannot overflow.
    mutating func count() throws(MatchCodecError) -> Int {
        let value = try varint()
        guard value <= UInt64(Int32.max) else { throw failure("a count or index of \(value)") }
        return Int(value)
    }

    mutating func signed() throws(MatchCodecError) -> Int64 {
        Varint.unZigZag(try varint())
    }

    mutating func optionalSigned() throws(MatchCodecError) -> Int64? {
        switch try byte() {
        case 0: return nil
        case 1: return try signed()
        case let tag: throw failure("an optional number tagged \(tag)")
        }
    }

    mutating func text() throws(MatchCodecError) -> String { try text(length: try count()) }

    mutating func text(length: Int) throws(MatchCodecError) -> String {
        guard length <= end - position else { throw failure("a text of \(length) bytes runs past its section") }
        guard let text = String(validating: bytes[position..<position + length], as: UTF8.self) else {
            throw failure("a text that is not UTF-8")
        }
        position += length
        return text
    }

    /// A text of the table, by its index.
    mutating func text(_ texts: [String]) throws(MatchCodecError) -> String {
        let index = try count()
        guard index < texts.count else { throw failure("text \(index) of a table of \(texts.count)") }
        return texts[index]
    }

    mutating func optionalText(_ texts: [String]) throws(MatchCodecError) -> String? {
        let reference = try count()
        guard reference > 0 else { return nil }
        guard reference <= texts.count else { throw failure("text \(reference - 1) of a table of \(texts.count)") }
        return texts[reference - 1]
    }

    mutating func list<Element>(_ count: Int, _ element: (inout MatchReader) throws(MatchCodecError) -> Element)
        throws(MatchCodecError) -> [Element]
    {
        guard count <= end - position else { throw failure("a list of \(count) runs past its section") }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    mutating func fingerprint() throws(MatchCodecError) -> Fingerprint {
        guard end - position >= 16 else { throw failure("the data ends in the middle of a fingerprint") }
        func word(_ at: Int) -> UInt64 { bytes[at..<at + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        defer { position += 16 }
        return Fingerprint(high: word(position), low: word(position + 8))
    }

    mutating func stage() throws(MatchCodecError) -> AuditStage {
        let raw = try byte()
        guard let stage = AuditStage(rawValue: raw) else { throw failure("stage \(raw)") }
        return stage
    }

    mutating func location() throws(MatchCodecError) -> HitLocation {
        let member = MemberKey(file: try count(), member: try count())
        let sequence = try count()
        let kind = try byte()
        let line = try signed()
        guard let line = Int(exactly: line), kind <= 1 else { throw failure("line \(line) of kind \(kind)") }
        return HitLocation(member: member, sequence: sequence, line: kind == 0 ? .local(line) : .absolute(line))
    }

    mutating func copy() throws(MatchCodecError) -> EventCopy {
        EventCopy(request: try fingerprint(), stage: try stage(), location: try location())
    }

    mutating func hit(_ texts: [String]) throws(MatchCodecError) -> RuleHit {
        let rule = try count()
        let request = try fingerprint()
        let stage = try stage()
        let location = try location()
        let summary = try summary(texts)
        return RuleHit(rule: rule, request: request, stage: stage, location: location, summary: summary, keys: try keys(texts))
    }

    mutating func request(_ texts: [String]) throws(MatchCodecError) -> MatchedRequest {
        let rule = try count()
        let latestStage = try stage()
        let origin = try varint()
        guard let origin = Int(exactly: origin) else { throw failure("request \(origin)") }
        var locations = MatchedRequest.Locations()
        for _ in 0..<(try count()) {
            locations.append(.init(location: try location(), stage: try stage()))
        }
        let evidence = try list(try count()) { reader throws(MatchCodecError) in
            let file = try reader.text(texts)
            let member = try reader.optionalText(texts)
            let line = try reader.signed()
            guard let line = Int(exactly: line) else { throw reader.failure("line \(line)") }
            return Finding.Evidence(file: file, member: member, line: line, sha256: try reader.optionalText(texts),
                                    auditID: try reader.text(texts), stage: try reader.text(texts))
        }
        var request = MatchedRequest(rule: rule, summary: try summary(texts), locations: locations, keys: try keys(texts),
                                     latestStage: latestStage)
        request.evidence = evidence
        request.origin = origin
        return request
    }

    private mutating func summary(_ texts: [String]) throws(MatchCodecError) -> RequestSummary {
        let auditID = try text(texts)
        let time = try optionalSigned().map(Timestamp.init(microseconds:))
        let verb = try optionalText(texts)
        let username = try optionalText(texts)
        let groupCount = try count()
        let groups = try groupCount == 0 ? nil : list(groupCount - 1) { reader throws(MatchCodecError) in try reader.text(texts) }
        let impersonatedUser = try optionalText(texts)
        let sourceIPs = try list(try count()) { reader throws(MatchCodecError) in try reader.text(texts) }
        var optional: [String?] = []
        for _ in 0..<9 { optional.append(try optionalText(texts)) }
        let code = try optionalSigned()
        guard code.map({ Int32(exactly: $0) != nil }) ?? true else { throw failure("response code \(code!)") }
        let level = try optionalText(texts)
        return RequestSummary(
            auditID: auditID, time: time, verb: verb, username: username, groups: groups, impersonatedUser: impersonatedUser,
            sourceIPs: sourceIPs, userAgent: optional[0], apiGroup: optional[1], namespace: optional[2], resource: optional[3],
            name: optional[4], subresource: optional[5], requestURI: optional[6], command: optional[7], decision: optional[8],
            responseCode: code.map { Int($0) }, level: level)
    }

    private mutating func keys(_ texts: [String]) throws(MatchCodecError) -> [CorrelationKey] {
        try list(try count()) { reader throws(MatchCodecError) in
            CorrelationKey(correlation: try reader.count(), slot: try reader.count(),
                           group: try reader.list(try reader.count()) { reader throws(MatchCodecError) in try reader.text(texts) },
                           value: try reader.optionalText(texts))
        }
    }
}
