#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON value indexed where it lies: one node per value, in document order, each pointing into
/// the bytes it was read from.
///
/// This is how rules read request and response bodies. Parsing a body into ``JSONValue`` allocates
/// a string per key and value; a tape allocates nothing once its storage has grown (one tape is
/// reused from event to event), and looking up a key compares bytes. Strings are decoded only when
/// a rule reads one that holds escapes.
///
/// A class over a buffer of its own, so that a ``Reader`` (plain pointers) stays valid until the
/// tape is indexed again: a walk then reads the nodes without retaining anything.
package final class JSONTape {
    enum Kind: UInt8 {
        case object, array, string, number, bool, null
    }

    struct Node {
        var kind: Kind
        /// For a string, whether it holds escapes; for a bool, its value.
        var flag: Bool
        /// The bytes of a string's content (between the quotes) or of a number.
        var start: Int
        var end: Int
        /// The index just past this value and everything inside it.
        var next: Int

        var string: StringSpan { StringSpan(start: start, end: end, escaped: flag) }
    }

    private var storage: UnsafeMutablePointer<Node>
    private var capacity: Int
    private var count = 0
    private(set) var base = UnsafePointer<UInt8>(bitPattern: 1)!

    package init() {
        capacity = 64
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// The nodes in document order; valid until the tape is indexed again.
    var nodes: UnsafeBufferPointer<Node> { UnsafeBufferPointer(start: storage, count: count) }

    /// The tape as a walk reads it; valid until the tape is indexed again.
    var reader: Reader { Reader(nodes: nodes, base: base) }

    /// Indexes the one JSON value in `start..<end` of `base`, replacing what the tape held.
    ///
    /// - Throws: ``ScanFailure`` when the bytes are not one complete, well-formed JSON value.
    package func index(_ base: UnsafePointer<UInt8>, start: Int, end: Int) throws(ScanFailure) {
        self.base = base
        count = 0
        var scanner = JSONScanner(base: base, start: start, end: end)
        try value(&scanner, depth: 0)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw .unexpectedByte }
    }

    private func append(_ node: Node) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Node>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = larger
            capacity *= 2
        }
        (storage + count).initialize(to: node)
        count += 1
    }

    private func value(_ scanner: inout JSONScanner, depth: Int) throws(ScanFailure) {
        guard depth < JSONScanner.maximumDepth else { throw .tooDeep }
        scanner.skipWhitespace()
        guard !scanner.isAtEnd else { throw .unexpectedEnd }
        let index = count
        switch scanner.current {
        case UInt8(ascii: "{"):
            append(Node(kind: .object, flag: false, start: scanner.position, end: 0, next: 0))
            try scanner.forEachMember { key, inner throws(ScanFailure) in
                append(Node(kind: .string, flag: key.escaped, start: key.start, end: key.end, next: count + 1))
                try value(&inner, depth: depth + 1)
            }
            storage[index].next = count
        case UInt8(ascii: "["):
            append(Node(kind: .array, flag: false, start: scanner.position, end: 0, next: 0))
            try scanner.forEachElement { inner throws(ScanFailure) in try value(&inner, depth: depth + 1) }
            storage[index].next = count
        case UInt8(ascii: "\""):
            let span = try scanner.scanString()
            append(Node(kind: .string, flag: span.escaped, start: span.start, end: span.end, next: index + 1))
        default:
            let span = try scanner.skipValue()
            let kind: Kind
            var flag = false
            switch span.end - span.start {
            case 4 where memcmp(base + span.start, "true", 4) == 0:
                kind = .bool
                flag = true
            case 5 where memcmp(base + span.start, "false", 5) == 0:
                kind = .bool
            case 4 where memcmp(base + span.start, "null", 4) == 0:
                kind = .null
            default:
                guard JSONScanner.isNumber(base + span.start, span.end - span.start) else { throw .unexpectedByte }
                kind = .number
            }
            append(Node(kind: kind, flag: flag, start: span.start, end: span.end, next: index + 1))
        }
    }

    // MARK: - Reading

    /// The tape as reading it needs it: pointers and no counted reference, so that walking a path
    /// (a call per key) copies nothing that is retained. Valid while the tape is not changed.
    struct Reader {
        let nodes: UnsafeBufferPointer<Node>
        let base: UnsafePointer<UInt8>

        /// A reader of no tape, for a body not indexed yet.
        static var empty: Reader { Reader(nodes: UnsafeBufferPointer(start: nil, count: 0), base: UnsafePointer(bitPattern: 1)!) }

        /// The text of the string node at `index` (decoded when it holds escapes).
        func text(_ index: Int) -> String {
            JSONText.string(base, nodes[index].string) ?? ""
        }

        /// The value of node `index` as a rule compares it; objects and arrays are `.structure`.
        func fieldValue(_ index: Int) -> FieldValue {
            let node = nodes[index]
            switch node.kind {
            case .string:
                if node.flag { return .string(text(index)) }
                return .raw(UnsafeBufferPointer(start: base + node.start, count: node.end - node.start))
            case .number:
                return .number(String(decoding: UnsafeBufferPointer(start: base + node.start, count: node.end - node.start),
                                      as: UTF8.self))
            case .bool: return .bool(node.flag)
            case .null: return .null
            case .object, .array: return .structure
            }
        }

        /// Whether the key node at `index` is `component` followed by a dot and more (`a.b` for `a`).
        func keyStartsComponent(_ index: Int, _ component: UnsafeBufferPointer<UInt8>) -> Bool {
            let node = nodes[index]
            if node.flag {
                let key = text(index).utf8
                return key.count > component.count + 1 && key.starts(with: component)
                    && key[key.index(key.startIndex, offsetBy: component.count)] == UInt8(ascii: ".")
            }
            return node.end - node.start > component.count + 1 && base[node.start + component.count] == UInt8(ascii: ".")
                && (component.isEmpty || memcmp(base + node.start, component.baseAddress!, component.count) == 0)
        }

        /// The member `key` of the object at `index` (the last one when a document repeats a key, as
        /// Go's decoder reads it), or nil. Most keys differ from it in length: a rule that asks for
        /// fifty keys of a ConfigMap's data compares lengths, not texts.
        func member(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int? {
            guard nodes[index].kind == .object else { return nil }
            var found: Int?
            var position = index + 1
            let end = nodes[index].next
            while position < end {
                let node = nodes[position]
                if node.flag {
                    if text(position).utf8.elementsEqual(key) { found = position + 1 }
                } else if plainKeyEquals(position, key) {
                    found = position + 1
                }
                position = nodes[position + 1].next
            }
            return found
        }

        /// Whether the key node at `index`, which holds no escape, is `key`: lengths first.
        @inline(__always)
        func plainKeyEquals(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            let node = nodes[index]
            return node.end - node.start == key.count
                && (key.isEmpty || memcmp(base + node.start, key.baseAddress!, key.count) == 0)
        }

        /// Calls `body` with the index of every element of the array, or every member value of the
        /// object, at `index` (with its key node's index, for objects) until it returns true.
        func anyChild(of index: Int, _ body: (_ key: Int?, _ value: Int) -> Bool) -> Bool {
            let node = nodes[index]
            var position = index + 1
            switch node.kind {
            case .array:
                while position < node.next {
                    if body(nil, position) { return true }
                    position = nodes[position].next
                }
            case .object:
                while position < node.next {
                    if body(position, position + 1) { return true }
                    position = nodes[position + 1].next
                }
            default:
                break
            }
            return false
        }
    }

    /// The text of the string node at `index` (decoded when it holds escapes).
    func text(_ index: Int) -> String { reader.text(index) }

    /// The member `key` of the object at `index` (see ``Reader/member(_:_:)``), or nil.
    func member(_ index: Int, _ key: String) -> Int? {
        var key = key
        return key.withUTF8 { reader.member(index, $0) }
    }

    /// The value at `path` of keys from the root, or nil where a key is missing.
    func member(at path: [String]) -> Int? {
        var node = 0
        for key in path {
            guard let next = member(node, key) else { return nil }
            node = next
        }
        return node
    }

    /// See ``Reader/anyChild(of:_:)``.
    func anyChild(of index: Int, _ body: (_ key: Int?, _ value: Int) -> Bool) -> Bool {
        reader.anyChild(of: index, body)
    }

    /// The string elements of the array at node `index` (nothing when it is not an array).
    func stringElements(_ index: Int) -> [String] {
        var found: [String] = []
        _ = anyChild(of: index) { key, element in
            if key == nil, nodes[element].kind == .string { found.append(text(element)) }
            return false
        }
        return found
    }
}
