/// What a finding shows of one request: who, from where, did what to which object, and how it ended.
///
/// Deliberately without bodies: a request or response body can hold a Secret's data, a token or a
/// password, and nothing in it is needed to say what happened. Text that can carry a credential
/// (the URI, an exec command) is passed through ``SecretScrubber``.
///
/// The fields live in one shared, immutable box: a summary is copied into every rule hit, matched
/// request and finding of its request, and a copy is then one reference count, not one per text.
@dynamicMemberLookup
package struct RequestSummary: Sendable, Equatable, Codable {
    package struct Fields: Sendable, Equatable, Codable {
        package var auditID: String
        package var time: Timestamp?
        package var verb: String?
        package var username: String?
        /// Absent (like the URI and user agent) for a request recorded only to feed a correlation.
        package var groups: [String]?
        package var impersonatedUser: String?
        package var sourceIPs: [String]
        package var userAgent: String?
        package var apiGroup: String?
        package var namespace: String?
        package var resource: String?
        package var name: String?
        package var subresource: String?
        package var requestURI: String?
        package var command: String?
        package var decision: String?
        package var responseCode: Int?
        package var level: String?
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    private init(_ fields: Fields) { box = Box(fields) }

    package init(auditID: String, time: Timestamp?, verb: String?, username: String?, groups: [String]?,
                 impersonatedUser: String?, sourceIPs: [String], userAgent: String?, apiGroup: String?,
                 namespace: String?, resource: String?, name: String?, subresource: String?, requestURI: String?,
                 command: String?, decision: String?, responseCode: Int?, level: String?)
    {
        self.init(Fields(auditID: auditID, time: time, verb: verb, username: username, groups: groups,
                         impersonatedUser: impersonatedUser, sourceIPs: sourceIPs, userAgent: userAgent,
                         apiGroup: apiGroup, namespace: namespace, resource: resource, name: name,
                         subresource: subresource, requestURI: requestURI, command: command, decision: decision,
                         responseCode: responseCode, level: level))
    }

    /// A field; setting one gives this summary a box of its own (others that shared it keep theirs).
    package subscript<Value>(dynamicMember keyPath: WritableKeyPath<Fields, Value>) -> Value {
        get { box.fields[keyPath: keyPath] }
        set {
            var fields = box.fields
            fields[keyPath: keyPath] = newValue
            box = Box(fields)
        }
    }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.box === rhs.box || lhs.box.fields == rhs.box.fields }

    package init(from decoder: any Decoder) throws { self.init(try Fields(from: decoder)) }

    package func encode(to encoder: any Encoder) throws { try box.fields.encode(to: encoder) }
}

extension RequestSummary {
    /// - Parameters:
    ///   - complete: false for a request that only feeds correlations: it keeps who, from where,
    ///     what and the outcome, and skips what costs most (the URI, user agent and groups).
    ///   - texts: the worker's texts, which the summary's repeated values are taken from.
    init(_ view: EventView, time: Timestamp?, complete: Bool = true, texts: inout TextInterner) {
        func text(_ field: ScannedField) -> String? { texts.text(of: view.value(of: field), .plain) }
        // Any of these can be whatever a client sent (a rejected request logs the name or user it
        // tried), so a credential pasted into one is masked like one in a URI.
        func scrubbed(_ field: ScannedField) -> String? { texts.text(of: view.value(of: field), .scrubbed) }
        let subresource = scrubbed(.subresource)
        var name = scrubbed(.name)
        if name == nil, complete {
            name = (view.string(in: .responseObject, at: ["metadata", "name"])
                ?? view.string(in: .requestObject, at: ["metadata", "name"])).map { texts.text($0, .scrubbed) }
        }
        var command: String?
        if complete, let subresource, subresource == "exec" || subresource == "attach" {
            // The same command rules read: from the URI, or the body's PodExecOptions.
            command = view.firstText(of: [.derived(.execCommand)]).map(SecretScrubber.scrub)
        }
        self.init(Fields(
            // Unique per request: nothing to share.
            auditID: view.value(of: .auditID)?.text ?? "",
            time: time,
            verb: text(.verb),
            username: scrubbed(.username),
            groups: complete ? texts.list(logged: view.logged(.userGroups), .scrubbed) { view.strings(of: .userGroups) } : nil,
            impersonatedUser: scrubbed(.impersonatedUsername),
            sourceIPs: texts.list(logged: view.logged(.sourceIPs), .plain) { view.strings(of: .sourceIPs) },
            userAgent: complete ? scrubbed(.userAgent) : nil,
            apiGroup: scrubbed(.apiGroup),
            namespace: scrubbed(.namespace),
            resource: scrubbed(.resource),
            name: name,
            subresource: subresource,
            requestURI: complete ? texts.text(of: view.value(of: .requestURI), .uri) : nil,
            command: command,
            decision: complete
                ? view.string(in: .annotations, at: ["authorization.k8s.io/decision"]).map { texts.text($0, .scrubbed) } : nil,
            responseCode: view.event.responseCode,
            level: text(.level)))
    }

    /// Fills in what only an earlier stage of the same request recorded; this (later) stage's own
    /// values win.
    mutating func absorb(_ other: RequestSummary) {
        // Usually both stages logged the same fields: then nothing is copied.
        guard box !== other.box,
              box.fields.responseCode == nil && other.box.fields.responseCode != nil
              || box.fields.decision == nil && other.box.fields.decision != nil
              || box.fields.name == nil && other.box.fields.name != nil
              || box.fields.level == nil && other.box.fields.level != nil
              || box.fields.time == nil && other.box.fields.time != nil else { return }
        var fields = box.fields
        var filled = false
        func fill<T>(_ keyPath: WritableKeyPath<Fields, T?>) {
            guard fields[keyPath: keyPath] == nil, let value = other.box.fields[keyPath: keyPath] else { return }
            fields[keyPath: keyPath] = value
            filled = true
        }
        fill(\.responseCode)
        fill(\.decision)
        fill(\.name)
        fill(\.level)
        fill(\.time)
        if filled { box = Box(fields) }
    }
}

/// One `String` per distinct text of one worker's summaries, masked once: thousands of matches by
/// one user share one copy of its name (a worker keeps every match until the pass ends), and a
/// repeated value is scrubbed once, not once per match. Past its limit it stops sharing, not working.
struct TextInterner {
    /// What is done to a text before it is shared; the same bytes treated two ways are two texts.
    enum Treatment: UInt8, CaseIterable {
        case plain, scrubbed
        /// A request URI: its query's credentials masked (``SecretScrubber/scrubURI(_:)``).
        case uri
    }

    /// One table of texts per treatment, looked up by the bytes as logged, with the texts at the
    /// same indices: the bytes are hashed where they lie, not copied into a key first.
    private var tables = Treatment.allCases.map { _ in SpanTable(seed: UInt64.random(in: .min ... .max), limit: 1 << 16) }
    private var texts: [[String]] = Treatment.allCases.map { _ in [] }
    /// Lists of shared texts (source IPs, correlation keys), shared in turn: an array is an
    /// allocation per match otherwise, and most matches repeat a list seen before.
    private var lists: [[String]: [String]] = [:]
    private var keyLists: [[CorrelationKey]: [CorrelationKey]] = [:]
    private static let listLimit = 1 << 16
    /// Lists made from a JSON array of strings, by the array's bytes as logged, per treatment.
    private var arrays = Treatment.allCases.map { _ in SpanTable(seed: UInt64.random(in: .min ... .max), limit: listLimit) }
    private var arrayLists: [[[String]]] = Treatment.allCases.map { _ in [] }

    /// The shared copy of `list` (of texts this interner returned).
    mutating func list(_ list: [String]) -> [String] {
        Self.shared(list, in: &lists)
    }

    /// The shared list of the texts of a JSON array of strings, `logged` (its bytes as logged), each
    /// treated as `treatment`; `elements` parses it. The same bytes again (a client's `sourceIPs`, a
    /// user's groups) cost one lookup, not a parse and a lookup per element.
    mutating func list(logged: UnsafeRawBufferPointer?, _ treatment: Treatment, elements: () -> [String]) -> [String] {
        guard let logged, let start = logged.baseAddress, !logged.isEmpty else {
            return list(elements().map { text($0, treatment) })
        }
        let kind = Int(treatment.rawValue)
        let index = arrays[kind].index(of: start, count: logged.count)
        if index >= 0, index < arrayLists[kind].count { return arrayLists[kind][index] }
        let made = list(elements().map { text($0, treatment) })
        if index == arrayLists[kind].count { arrayLists[kind].append(made) }
        return made
    }

    /// The shared copy of `keys` (whose texts this interner returned).
    mutating func keys(_ keys: [CorrelationKey]) -> [CorrelationKey] {
        Self.shared(keys, in: &keyLists)
    }

    private static func shared<Element: Hashable>(_ list: [Element], in memo: inout [[Element]: [Element]]) -> [Element] {
        guard !list.isEmpty else { return [] }
        if let known = memo[list] { return known }
        if memo.count < listLimit { memo[list] = list }
        return list
    }

    /// The text of `value`, nil when it has none.
    mutating func text(of value: FieldValue?, _ treatment: Treatment) -> String? {
        guard let value else { return nil }
        guard case let .raw(bytes) = value else { return value.text.map { text($0, treatment) } }
        return shared(bytes, treatment) { String(decoding: bytes, as: UTF8.self) }
    }

    mutating func text(_ text: String, _ treatment: Treatment) -> String {
        var bytes = text
        return bytes.withUTF8 { shared($0, treatment) { text } }
    }

    /// The shared text of `bytes` treated as `treatment`; `make` makes it, untreated, the first time.
    private mutating func shared(_ bytes: UnsafeBufferPointer<UInt8>, _ treatment: Treatment, _ make: () -> String) -> String {
        let kind = Int(treatment.rawValue)
        // An empty text has no address; any address does for no bytes.
        let start = bytes.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(Self.noBytes.utf8Start)
        let index = tables[kind].index(of: start, count: bytes.count)
        guard index != SpanTable.overflow else { return Self.treat(make(), treatment) }
        if index == texts[kind].count { texts[kind].append(Self.treat(make(), treatment)) }
        return texts[kind][index]
    }

    private static let noBytes: StaticString = "-"

    private static func treat(_ text: String, _ treatment: Treatment) -> String {
        switch treatment {
        case .plain: text
        case .scrubbed: SecretScrubber.scrub(text)
        case .uri: SecretScrubber.scrubURI(text)
        }
    }
}

/// Masks credentials in text that goes into a report: JWTs, bearer and basic credentials,
/// `password=`/`token=`-style parameters and arguments, and long secret-looking strings.
package enum SecretScrubber {
    static let mask = "[REDACTED]"
    static let sensitiveNames = [
        "token", "access_token", "id_token", "refresh_token", "password", "passwd", "pwd", "secret", "client_secret",
        "api_key", "apikey", "key", "credential", "credentials", "authorization", "auth", "sig", "signature",
    ]

    /// A URI with the values of credential-like query parameters masked.
    package static func scrubURI(_ uri: String) -> String {
        let parts = uri.split(onASCII: "?", maxSplits: 1)
        guard parts.count == 2 else { return scrub(uri) }
        let query = parts[1].split(onASCII: "&").map { parameter -> String in
            let pair = parameter.split(onASCII: "=", maxSplits: 1)
            guard pair.count == 2 else { return String(parameter) }
            if isSensitive(pair[0]) { return "\(pair[0])=\(mask)" }
            if pair[0] == "command" {
                return "command=" + scrub(RequestURI.percentDecoded(pair[1]))
                    .addingPercentEncodingForQuery()
            }
            return "\(pair[0])=\(scrub(String(pair[1])))"
        }
        return scrub(String(parts[0])) + "?" + query.joined(separator: "&")
    }

    static func isSensitive<Name: StringProtocol>(_ name: Name) -> Bool {
        let dashes: (UInt8) -> Bool = { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        let trimmed = name.utf8.drop(while: dashes).reversed().drop(while: dashes).reversed()
        let lower = String(decoding: trimmed.map(GlobPattern.fold), as: UTF8.self)
        return sensitiveNames.contains(lower) || lower.hasSuffix("token") || lower.hasSuffix("password")
            || lower.hasSuffix("secret")
    }

    /// ASCII letters lowered; enough to compare with the ASCII words below, and much cheaper than
    /// Unicode case mapping.
    private static func asciiLowercased(_ word: Substring) -> String {
        String(decoding: word.utf8.map(GlobPattern.fold), as: UTF8.self)
    }

    /// Text with anything that looks like a credential masked, word by word.
    package static func scrub(_ text: String) -> String {
        if hasNothingToMask(text) { return text }
        var output: [Substring] = []
        var maskNext = false
        for word in text.split(onASCII: " ") {
            // Only short words are compared with the keywords below; longer ones need no lowering.
            let lower = word.utf8.count <= 16 ? asciiLowercased(word) : ""
            if maskNext, !word.isEmpty, lower != "bearer", lower != "basic" {
                output.append(Substring(mask))
                maskNext = false
                continue
            }
            if lower == "bearer" || lower == "basic" || lower == "authorization:" {
                output.append(word)
                maskNext = true
                continue
            }
            if let equals = word.firstIndex(of: "="), isSensitive(word[..<equals]) {
                output.append(word[...equals] + mask)
                continue
            }
            if optionsTakingSecrets.contains(lower) {
                output.append(word)
                maskNext = true
                continue
            }
            output.append(looksLikeSecret(word) ? Substring(mask) : word)
        }
        return output.joined(separator: " ")
    }

    /// Most text (a name, a URI path, a user agent) has nothing to mask: no word break or `=`, no JWT
    /// prefix, and short or without digits. Said in one pass over the bytes, without splitting it.
    private static func hasNothingToMask(_ text: String) -> Bool {
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            var digits = false
            for byte in bytes {
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "=") { return false }
                if byte &- UInt8(ascii: "0") < 10 { digits = true }
            }
            if bytes.starts(with: "eyJ".utf8) { return false }
            return bytes.count < 32 || !digits
        }
        if let plain { return plain }
        var copy = text
        copy.makeContiguousUTF8()
        return hasNothingToMask(copy)
    }

    private static let optionsTakingSecrets: Set<String> = ["--token", "--password", "-p", "--client-secret", "--secret"]

    /// JWTs, and long unbroken runs of base64 (mixed case and digits) or hex: tokens, keys, encoded secrets.
    static func looksLikeSecret(_ word: Substring) -> Bool {
        guard word.utf8.count >= 20 else { return false }
        let bytes = Array(word.utf8)
        let quote: (UInt8) -> Bool = {
            $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: ";")
        }
        var first = 0
        var end = bytes.count
        while first < end, quote(bytes[first]) { first += 1 }
        while end > first, quote(bytes[end - 1]) { end -= 1 }
        let trimmed = bytes[first..<end]
        if trimmed.starts(with: "eyJ".utf8), trimmed.count >= 20 { return true }
        guard trimmed.count >= 32 else { return false }
        var digits = false, upper = false, lower = false, hex = true
        for byte in trimmed {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits = true
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true; hex = hex && byte <= UInt8(ascii: "F")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): lower = true; hex = hex && byte <= UInt8(ascii: "f")
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "_"), UInt8(ascii: "-"): hex = false
            default: return false
            }
        }
        guard digits else { return false }
        return (hex && trimmed.count >= 40) || (upper && lower)
    }
}

extension String {
    fileprivate func addingPercentEncodingForQuery() -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                result.append(byte)
            case UInt8(ascii: " "):
                result.append(UInt8(ascii: "+"))
            default:
                result += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

}
