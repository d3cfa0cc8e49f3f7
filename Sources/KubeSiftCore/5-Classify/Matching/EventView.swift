/// One event as rules read it: fields the decoder located are read straight from the bytes, bodies
/// are indexed (a ``JSONTape``) the first time a rule asks for them, and every value is computed at most once.
///
/// Reused from event to event by one worker; not thread-safe and never shared. Its state is marked
/// `@exclusivity(unchecked)`: one thread, no overlapping access, and the runtime's dynamic checks on
/// every field read cost more than reading the field.
final class EventView {
    @exclusivity(unchecked) private(set) var event = ScannedEvent()
    @exclusivity(unchecked) private(set) var base: UnsafePointer<UInt8>
    @exclusivity(unchecked) private var scanned = [FieldValue??](repeating: nil, count: ScannedField.allCases.count)
    @exclusivity(unchecked) private var scratch: [UInt8] = []
    /// Bodies are indexed the first time a rule reads into one; the tapes keep their storage.
    private let tapes = EventBody.allCases.map { _ in JSONTape() }
    /// Each indexed body's tape as walks read it: plain pointers, copied without a retain.
    @exclusivity(unchecked) private var readers = [JSONTape.Reader](repeating: .empty, count: EventBody.allCases.count)
    @exclusivity(unchecked) private var tapeStates = [TapeState](repeating: .notRead, count: EventBody.allCases.count)
    /// Bits of the fields cached and bodies read for this event, so that a reset clears only those:
    /// most events are done with after their prefilter fields.
    @exclusivity(unchecked) private var cachedFields: UInt64 = 0
    @exclusivity(unchecked) private var readBodies: UInt64 = 0
    @exclusivity(unchecked) private var derived: [DerivedField: [FieldValue]] = [:]
    /// Nodes of the request body's tape.
    @exclusivity(unchecked) private var podSpecs: [Int]?
    @exclusivity(unchecked) private var containers: [Int]?

    private enum TapeState {
        case notRead, indexed, absent
    }

    init() {
        precondition(ScannedField.allCases.count <= 64 && EventBody.allCases.count <= 64, "one bit per field and body")
        base = UnsafePointer(bitPattern: 1)!
    }

    /// Points the view at the next event.
    func reset(_ event: ScannedEvent, base: UnsafePointer<UInt8>) {
        self.event = event
        self.base = base
        while cachedFields != 0 {
            scanned[cachedFields.trailingZeroBitCount] = nil
            cachedFields &= cachedFields - 1
        }
        while readBodies != 0 {
            tapeStates[readBodies.trailingZeroBitCount] = .notRead
            readBodies &= readBodies - 1
        }
        if !derived.isEmpty { derived.removeAll(keepingCapacity: true) }
        podSpecs = nil
        containers = nil
    }

    /// Calls `body` with every value of the field's sources until it returns true.
    ///
    /// - Returns: whether `body` returned true.
    func anyValue(of sources: [FieldSource], _ body: (FieldValue) -> Bool) -> Bool {
        sources.contains { source in source.withCompiled { anyValue(of: $0, body) } }
    }

    /// ``anyValue(of:_:)`` over a condition's compiled sources: read where they lie, nothing
    /// retained at any step (that was a third of the matcher's time).
    @inline(__always)
    func anyValue(of sources: UnsafeMutableBufferPointer<CompiledSource>, _ body: (FieldValue) -> Bool) -> Bool {
        for index in sources.indices where anyValue(of: sources[index], body) { return true }
        return false
    }

    @inline(__always)
    private func anyValue(of source: CompiledSource, _ body: (FieldValue) -> Bool) -> Bool {
        switch source {
        case let .scanned(field):
            guard let value = value(of: field) else { return false }
            return body(value)
        case let .body(part, path):
            if path.isEmpty, tapeStates[part.rawValue] == .notRead, let result = scanStrings(of: part, body) { return result }
            guard indexBody(part) else { return false }
            return walk(part, 0, path[...], body)
        case let .derived(field):
            for value in values(of: field) where body(value) { return true }
            return false
        case let .podSpec(path):
            return podSpecList().contains { walk(.requestObject, $0, path[...], body) }
        case let .podContainer(path):
            return containerList().contains { walk(.requestObject, $0, path[...], body) }
        }
    }

    /// Walks a body's tape in place (a copy of the tape would retain its storage on every test).
    @inline(__always)
    private func walk(_ part: EventBody, _ node: Int, _ path: Slice<UnsafeBufferPointer<PathKey>>,
                      _ body: (FieldValue) -> Bool) -> Bool
    {
        readers[part.rawValue].walk(node, path, body)
    }

    /// The values of a body that is a list of strings (`user.groups`, `sourceIPs`), read off the
    /// buffer without parsing it. Nil when the body is something else: the caller parses it then.
    private func scanStrings(of part: EventBody, _ body: (FieldValue) -> Bool) -> Bool? {
        let span = self.span(of: part)
        guard span.isPresent else { return false }
        guard base[span.start] == UInt8(ascii: "[") else { return nil }
        var scanner = JSONScanner(base: base, start: span.start, end: span.end)
        var matched = false
        var plain = true
        var elements = 0
        do throws(ScanFailure) {
            try scanner.forEachElement { element throws(ScanFailure) in
                elements += 1
                // After a match the rest is skipped; a non-string before one sends the caller to the parser.
                guard !matched, plain, element.current == UInt8(ascii: "\"") else {
                    if !matched { plain = false }
                    _ = try element.skipValue()
                    return
                }
                let string = try element.scanString()
                let value: FieldValue = string.escaped
                    ? .string(JSONText.string(element.base, string) ?? "")
                    : .raw(UnsafeBufferPointer(start: element.base + string.start, count: string.count))
                matched = body(value)
            }
        } catch {
            return nil
        }
        if !plain { return nil }
        if elements == 0 { return body(.structure) }
        return matched
    }

    /// Whether one of the guard's paths may have a value; false only when none can (``KeyGuard``).
    func mayHaveKey(_ keys: KeyGuard) -> Bool {
        keys.groups.contains { group in
            indexBody(group.part) && readers[group.part.rawValue].mayHaveKey(
                0, UnsafeBufferPointer(group.prefix)[...], UnsafeBufferPointer(group.keys))
        }
    }

    /// A body's bytes as they were logged (a `sourceIPs` array, say), nil when the event has none.
    func logged(_ part: EventBody) -> UnsafeRawBufferPointer? {
        let span = self.span(of: part)
        guard span.isPresent else { return nil }
        return UnsafeRawBufferPointer(start: base + span.start, count: span.end - span.start)
    }

    /// The first value of a field that has text: what a group-by or a summary shows.
    func firstText(of sources: [FieldSource]) -> String? {
        Self.firstText { anyValue(of: sources, $0) }
    }

    /// The first text of `sources`, compiled once.
    func firstText(of sources: CompiledSources) -> String? {
        Self.firstText { anyValue(of: sources.buffer, $0) }
    }

    /// The first value with a text that `anyValue` lists.
    private static func firstText(_ anyValue: ((FieldValue) -> Bool) -> Bool) -> String? {
        var found: String?
        _ = anyValue { value in
            found = value.text
            return found != nil
        }
        return found
    }

    func value(of field: ScannedField) -> FieldValue? {
        if let cached = scanned[field.rawValue] { return cached }
        let value = read(field)
        scanned[field.rawValue] = .some(value)
        cachedFields |= 1 << UInt64(field.rawValue)
        return value
    }

    private func read(_ field: ScannedField) -> FieldValue? {
        func text(_ span: StringSpan) -> FieldValue? {
            guard span.isPresent else { return nil }
            if span.escaped { return JSONText.string(base, span).map(FieldValue.string) }
            return .raw(UnsafeBufferPointer(start: base + span.start, count: span.count))
        }
        switch field {
        case .kind: return text(event.kind)
        case .apiVersion: return text(event.apiVersion)
        case .level: return text(event.level)
        case .auditID: return text(event.auditID)
        case .stage: return text(event.stage)
        case .requestURI: return text(event.requestURI)
        case .verb: return text(event.verb)
        case .userAgent: return text(event.userAgent)
        case .username: return text(event.username)
        case .userUID: return text(event.userUID)
        case .impersonatedUsername: return text(event.impersonatedUsername)
        case .resource: return text(event.resource)
        case .namespace: return text(event.namespace)
        case .name: return text(event.name)
        case .apiGroup: return text(event.apiGroup)
        case .objectAPIVersion: return text(event.objectAPIVersion)
        case .subresource: return text(event.subresource)
        case .responseCode: return event.responseCode.map(FieldValue.integer)
        case .responseReason: return text(event.responseReason)
        case .requestReceivedTimestamp: return text(event.requestReceivedTimestamp) ?? text(event.legacyTimestamp)
        case .stageTimestamp: return text(event.stageTimestamp)
        }
    }

    /// Indexes a body the first time it is read: false when the event has none or it is not JSON.
    private func indexBody(_ part: EventBody) -> Bool {
        switch tapeStates[part.rawValue] {
        case .indexed: return true
        case .absent: return false
        case .notRead:
            let span = self.span(of: part)
            var indexed = false
            if span.isPresent {
                do throws(ScanFailure) {
                    try tapes[part.rawValue].index(base, start: span.start, end: span.end)
                    readers[part.rawValue] = tapes[part.rawValue].reader
                    indexed = true
                } catch {}
            }
            tapeStates[part.rawValue] = indexed ? .indexed : .absent
            readBodies |= 1 << UInt64(part.rawValue)
            return indexed
        }
    }

    /// The string elements of a body that is an array (`user.groups`, `sourceIPs`), or of the array
    /// at `path` inside one.
    func strings(of part: EventBody, at path: [String] = []) -> [String] {
        guard indexBody(part) else { return [] }
        let tape = tapes[part.rawValue]
        return tape.member(at: path).map(tape.stringElements) ?? []
    }

    /// The pod specs of the request body: a Pod's (or an ephemeral-containers patch's), a workload
    /// template's, a CronJob's job template's.
    private func podSpecList() -> [Int] {
        if let podSpecs { return podSpecs }
        var found: [Int] = []
        if indexBody(.requestObject) {
            let tape = tapes[EventBody.requestObject.rawValue]
            found = FieldResolver.podSpecPaths.compactMap { tape.member(at: $0) }
        }
        podSpecs = found
        return found
    }

    /// Every container, init container and ephemeral container of those pod specs.
    private func containerList() -> [Int] {
        if let containers { return containers }
        var found: [Int] = []
        let specs = podSpecList() // indexes the body first
        let tape = tapes[EventBody.requestObject.rawValue]
        for spec in specs {
            for kind in FieldResolver.containerKinds {
                guard let list = tape.member(spec, kind), tape.nodes[list].kind == .array else { continue }
                _ = tape.anyChild(of: list) { _, container in
                    found.append(container)
                    return false
                }
            }
        }
        containers = found
        return found
    }

    /// One string deep inside a body (an object's name, the authorization decision), found by
    /// scanning past everything else: a finding needs it, and a body can be megabytes.
    func string(in part: EventBody, at path: [String]) -> String? {
        if tapeStates[part.rawValue] == .indexed {
            let tape = tapes[part.rawValue]
            guard let node = tape.member(at: path), tape.nodes[node].kind == .string else { return nil }
            return tape.text(node)
        }
        let span = self.span(of: part)
        guard span.isPresent else { return nil }
        var scanner = JSONScanner(base: base, start: span.start, end: span.end)
        return try? Self.findString(&scanner, path[...])
    }

    /// Consumes one value; returns the string at `path` inside it (the last one, when keys repeat).
    private static func findString(_ scanner: inout JSONScanner, _ path: ArraySlice<String>) throws(ScanFailure) -> String? {
        guard let key = path.first else {
            guard scanner.current == UInt8(ascii: "\"") else {
                _ = try scanner.skipValue()
                return nil
            }
            let span = try scanner.scanString()
            return JSONText.string(scanner.base, span)
        }
        guard scanner.current == UInt8(ascii: "{") else {
            _ = try scanner.skipValue()
            return nil
        }
        var found: String?
        try scanner.forEachMember { name, value throws(ScanFailure) in
            if JSONText.string(value.base, name) == key {
                found = try findString(&value, path.dropFirst())
            } else {
                _ = try value.skipValue()
            }
        }
        return found
    }

    private func span(of part: EventBody) -> ValueSpan {
        switch part {
        case .userGroups: event.userGroups
        case .userExtra: event.userExtra
        case .impersonatedUser: event.impersonatedUser
        case .sourceIPs: event.sourceIPs
        case .responseStatus: event.responseStatus
        case .annotations: event.annotations
        case .requestObject: event.requestObject
        case .responseObject: event.responseObject
        case .event: event.record
        }
    }

    private func values(of field: DerivedField) -> [FieldValue] {
        if let cached = derived[field] { return cached }
        var values: [FieldValue] = []
        switch field {
        case .execCommand:
            if let uri = value(of: .requestURI)?.text, let command = RequestURI.command(of: uri) {
                values = [.string(command)]
            } else if case let words = strings(of: .requestObject, at: ["command"]), !words.isEmpty {
                // PodExecOptions, as logged at Request level when the client sent the options in the body.
                values = [.string(words.joined(separator: " "))]
            }
        case .objectName:
            if let name = value(of: .name) {
                values = [name]
            } else if let name = string(in: .responseObject, at: ["metadata", "name"])
                        ?? string(in: .requestObject, at: ["metadata", "name"]) {
                values = [.string(name)]
            }
        case .effectiveUser:
            if let user = value(of: .impersonatedUsername) ?? value(of: .username) { values = [user] }
        case .clientIP, .peerIP:
            if let address = field.address(among: strings(of: .sourceIPs)) {
                values = [.string(address)]
            }
        }
        derived[field] = values
        return values
    }
}

extension JSONTape.Reader {
    /// Follows `path` from node `index` through objects and into every element of arrays, calling
    /// `body` with each value found until it returns true; a key that itself holds dots
    /// (`authorization.k8s.io/decision`) is tried as joined components.
    func walk(_ index: Int, _ path: Slice<UnsafeBufferPointer<PathKey>>, _ body: (FieldValue) -> Bool) -> Bool {
        switch nodes[index].kind {
        case .array:
            if path.isEmpty, nodes[index].next == index + 1 { return body(.structure) }
            return anyChild(of: index) { _, element in walk(element, path, body) }
        case .object:
            guard let first = path.first else { return body(.structure) }
            if first.isAnyMember {
                // Any member: the values of a map whose keys are not known in advance (ConfigMap data).
                return anyChild(of: index) { _, value in walk(value, path.dropFirst(), body) }
            }
            if let member = member(index, first.bytes) { return walk(member, path.dropFirst(), body) }
            // A key holding dots spans several path components; the last such member counts, as for
            // plain keys. With one component left, none can.
            guard path.count > 1 else { return false }
            var dotted: (value: Int, components: Int)?
            _ = anyChild(of: index) { key, value in
                guard let key, keyStartsComponent(key, first.bytes) else { return false }
                let parts = text(key).utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
                if parts.count <= path.count, zip(parts, path).allSatisfy({ $0.elementsEqual($1.bytes) }) {
                    dotted = (value, parts.count)
                }
                return false
            }
            guard let dotted else { return false }
            return walk(dotted.value, path.dropFirst(dotted.components), body)
        default:
            return path.isEmpty && body(fieldValue(index))
        }
    }
}

extension JSONTape.Reader {
    /// Whether `walk` could find a value at the path `prefix` and then one of `keys`, from node
    /// `index`: false only when it could not. Where the walk would read more than plain members
    /// (every element of an array, a key holding dots, an escaped key), the answer is true and the
    /// walk decides.
    func mayHaveKey(_ index: Int, _ prefix: Slice<UnsafeBufferPointer<PathKey>>,
                    _ keys: UnsafeBufferPointer<PathKey>) -> Bool
    {
        switch nodes[index].kind {
        case .object:
            guard let first = prefix.first else {
                // With one component left, `walk` looks up plain members only.
                return anyChild(of: index) { key, _ in
                    guard let key else { return false }
                    return nodes[key].flag || keys.contains { plainKeyEquals(key, $0.bytes) }
                }
            }
            if let member = member(index, first.bytes) { return mayHaveKey(member, prefix.dropFirst(), keys) }
            // A key holding dots may stand for this component and more.
            return anyChild(of: index) { key, _ in key.map { keyStartsComponent($0, first.bytes) } ?? false }
        case .array:
            return true
        default:
            // A scalar with a path left to follow: `walk` finds nothing.
            return false
        }
    }
}

/// Reading a request URI's query.
package enum RequestURI {
    /// The command of an exec or attach: its `command=` parameters, decoded, joined by spaces.
    package static func command(of uri: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        let parts = query.split(separator: "&").compactMap { parameter -> String? in
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0] == "command" else { return nil }
            return percentDecoded(pair[1])
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// `%2F` → `/`, `+` → space; malformed escapes are kept as written.
    package static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let high = hexValue(iterator[iterator.startIndex]),
                      let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
