import Testing
@testable import KubeSiftCore

/// The texts a worker's summaries hold: shared, masked once, and still right past the table's limit.
@Suite struct TextInternerTests {
    /// Where a long string's bytes live: two strings sharing storage have one.
    static func storage(_ text: String) -> UnsafeRawPointer? {
        text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    @Test("The same bytes give one shared string, however they arrive")
    func sharesStorage() {
        var texts = TextInterner()
        let name = "system:serviceaccount:kube-system:replicaset-controller"
        let bytes = Array(name.utf8)
        let first = bytes.withUnsafeBufferPointer { texts.text(of: .raw($0), .plain) }
        let second = texts.text(String(decoding: bytes, as: UTF8.self), .plain)
        #expect(first == name && second == name)
        #expect(Self.storage(first!) != nil && Self.storage(first!) == Self.storage(second))
        #expect(texts.text(of: nil, .plain) == nil)
        #expect(texts.text(of: .integer(403), .plain) == "403")
    }

    @Test("A scrubbed text is masked, and the same bytes kept plain are another text")
    func treatmentsAreApart() {
        var texts = TextInterner()
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
        #expect(texts.text(token, .scrubbed) == SecretScrubber.mask)
        #expect(texts.text(token, .plain) == token)
        #expect(texts.text(token, .scrubbed) == SecretScrubber.mask)
    }

    @Test("Past its limit it keeps giving the right text, masked when asked")
    func pastTheLimit() {
        var texts = TextInterner()
        for number in 0..<(1 << 16) + 10 {
            let text = "pod-\(number)-abcdefghijklmnop"
            #expect(texts.text(text, .plain) == text)
        }
        #expect(texts.text("password=hunter2-and-more-text", .scrubbed) == "password=[REDACTED]")
    }

    @Test("Equal lists of texts and of correlation keys share one array; different ones stay apart")
    func sharesLists() {
        var texts = TextInterner()
        func storage<T>(_ list: [T]) -> UnsafeRawPointer? { list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        let first = texts.list(["10.0.0.1", "10.0.0.2"])
        let again = texts.list(["10.0.0.1", "10.0.0.2"])
        let other = texts.list(["10.0.0.1"])
        #expect(first == ["10.0.0.1", "10.0.0.2"] && again == first && other == ["10.0.0.1"])
        #expect(storage(first) == storage(again))
        #expect(storage(other) != storage(first))
        #expect(texts.list([]).isEmpty)

        let key = CorrelationKey(correlation: 2, slot: 0, group: first, value: "secrets")
        let keys = texts.keys([key])
        #expect(storage(texts.keys([key])) == storage(keys))
        let changed = CorrelationKey(correlation: 2, slot: 0, group: first, value: "configmaps")
        let otherKeys = texts.keys([changed])
        #expect(otherKeys == [changed] && storage(otherKeys) != storage(keys))
    }

    @Test("A list looked up by the array's logged bytes is parsed once per treatment and shared")
    func listsByLoggedBytes() {
        var texts = TextInterner()
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
        let logged = Array(#"["system:authenticated","\#(token)"]"#.utf8)
        var parses = 0
        func list(_ treatment: TextInterner.Treatment) -> [String] {
            logged.withUnsafeBytes { bytes in
                texts.list(logged: bytes, treatment) {
                    parses += 1
                    return ["system:authenticated", token]
                }
            }
        }
        let scrubbed = list(.scrubbed)
        let again = list(.scrubbed)
        let plain = list(.plain)
        #expect(scrubbed == ["system:authenticated", SecretScrubber.mask] && plain == ["system:authenticated", token])
        #expect(again == scrubbed && parses == 2)
        #expect(again.withUnsafeBufferPointer { $0.baseAddress } == scrubbed.withUnsafeBufferPointer { $0.baseAddress })
        // Nothing logged: parsed every time, as the event has no array to look up by.
        #expect(texts.list(logged: nil, .plain) { ["10.0.0.1"] } == ["10.0.0.1"])
    }
}
