/// A value as templates read it (see ``TemplateLibrary``).
indirect enum TemplateNode {
    /// Text already escaped for the output; `isNull` (empty text, a count of zero) makes it false
    /// in a section.
    case text(String, isNull: Bool)
    case flag(Bool)
    case map([String: TemplateNode])
    case list([TemplateNode])
    /// A long list whose elements are built as a template reaches them.
    case lazyList(MustacheTree.LazyNodes)
}

/// Turns a ``ReportModel`` into the tree templates are rendered from: a struct becomes a map of its
/// stored properties, an array a list, a string text escaped for the output format; flags stay
/// flags, and an `Int` is text that is false in a section when it is zero (like empty text and
/// empty lists). Other numbers are plain text.
///
/// Through the model's `Encodable` conformance, which the compiler writes: reading the same
/// properties by reflection (`Mirror`) took a fifth of a run that rendered every report format.
enum MustacheTree {
    static func text(_ text: String, escape: (String) -> String) -> TemplateNode {
        .text(escape(text), isNull: text.isEmpty)
    }

    /// The tree of `value`, every string passed through `escape`; with `keys`, only the members
    /// of those names, at any depth (what a template reads: ``TemplateLibrary/names(readBy:)``).
    static func of<T: Encodable>(_ value: T, escape: @escaping (String) -> String, keys: Set<String>? = nil) -> TemplateNode {
        let builder = TreeBuilder(escape: escape, keys: keys)
        // The model holds strings, numbers, flags, arrays and structs: nothing it encodes throws.
        try? value.encode(to: builder)
        return builder.node
    }

    /// Lists longer than this are walked lazily (``LazyNodes``).
    static let lazyListLength = 64

    /// A long list of the model (the findings, each control's findings): each element's node is
    /// built when a template reaches it and dropped after, so a report of thousands of findings
    /// never holds all of their trees at once (4.4 GB of input with 25,000 findings: 650 MB for the
    /// two trees).
    struct LazyNodes {
        let count: Int
        /// The element at an index, with only the members of the names given when there are any:
        /// the table of every finding reads a third of a finding's row.
        let node: (Int, Set<String>?) -> TemplateNode

        /// The elements in reverse order, still built one at a time.
        var reversed: LazyNodes { LazyNodes(count: count) { [node, count] in node(count - 1 - $0, $1) } }
    }
}

/// A list whose elements' nodes can be built one at a time.
protocol LazyTreeList {
    func lazyNodes(escape: @escaping (String) -> String) -> MustacheTree.LazyNodes?
}

extension LazyTreeList where Self: RandomAccessCollection, Index == Int, Element: Encodable {
    /// Nil for a short list: it is built whole, the same tree either way.
    func lazyNodes(escape: @escaping (String) -> String) -> MustacheTree.LazyNodes? {
        guard count > MustacheTree.lazyListLength else { return nil }
        return MustacheTree.LazyNodes(count: count) { [self] index, keys in MustacheTree.of(self[index], escape: escape, keys: keys) }
    }
}

extension Array: LazyTreeList where Element: Encodable {}

/// Builds one node of the tree: a dictionary, an array or a leaf, whichever its value asks for.
private final class TreeBuilder: Encoder, SingleValueEncodingContainer {
    let escape: (String) -> String
    /// The members to build; nil for all of them.
    let keys: Set<String>?
    // One tree's state, on one thread: the runtime's exclusivity checks cost more than the writes.
    @exclusivity(unchecked) var dictionary: [String: TemplateNode]?
    @exclusivity(unchecked) var array: [TemplateNode]?
    @exclusivity(unchecked) var leaf: TemplateNode?
    /// Nested containers, attached when the node is read: under a key, or at a place in the array.
    @exclusivity(unchecked) var pending: [(key: String?, place: Int, builder: TreeBuilder)] = []

    init(escape: @escaping (String) -> String, keys: Set<String>?) {
        self.escape = escape
        self.keys = keys
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// What was built; a value that encoded nothing is an empty dictionary, as a struct without
    /// properties is.
    var node: TemplateNode {
        for (key, place, builder) in pending {
            if let key { dictionary?[key] = builder.node } else { array?[place] = builder.node }
        }
        pending.removeAll()
        if let leaf { return leaf }
        if let array { return .list(array) }
        return .map(dictionary ?? [:])
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if dictionary == nil { dictionary = [:] }
        return KeyedEncodingContainer(KeyedTreeBuilder<Key>(builder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if array == nil { array = [] }
        return UnkeyedTreeBuilder(builder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    /// The node of a value, leaves made without a builder of their own.
    func child<T: Encodable>(_ value: T) -> TemplateNode? {
        if T.self == String.self { return MustacheTree.text(unsafeBitCast(value, to: String.self), escape: escape) }
        if T.self == Int.self {
            let number = unsafeBitCast(value, to: Int.self)
            return .text(String(number), isNull: number == 0)
        }
        if T.self == Bool.self { return .flag(unsafeBitCast(value, to: Bool.self)) }
        if let list = value as? any LazyTreeList, let nodes = list.lazyNodes(escape: escape) { return .lazyList(nodes) }
        let builder = TreeBuilder(escape: escape, keys: keys)
        try? value.encode(to: builder)
        return builder.node
    }

    func plain(_ value: some CustomStringConvertible) -> TemplateNode { MustacheTree.text(value.description, escape: escape) }

    // MARK: SingleValueEncodingContainer

    func encodeNil() throws {}
    func encode(_ value: Bool) throws { leaf = .flag(value) }
    func encode(_ value: String) throws { leaf = child(value) }
    func encode(_ value: Int) throws { leaf = child(value) }
    func encode(_ value: Double) throws { leaf = plain(value) }
    func encode(_ value: Float) throws { leaf = plain(value) }
    func encode(_ value: Int8) throws { leaf = plain(value) }
    func encode(_ value: Int16) throws { leaf = plain(value) }
    func encode(_ value: Int32) throws { leaf = plain(value) }
    func encode(_ value: Int64) throws { leaf = plain(value) }
    func encode(_ value: UInt) throws { leaf = plain(value) }
    func encode(_ value: UInt8) throws { leaf = plain(value) }
    func encode(_ value: UInt16) throws { leaf = plain(value) }
    func encode(_ value: UInt32) throws { leaf = plain(value) }
    func encode(_ value: UInt64) throws { leaf = plain(value) }
    func encode<T: Encodable>(_ value: T) throws { leaf = child(value) }
}

private struct KeyedTreeBuilder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let builder: TreeBuilder
    var codingPath: [any CodingKey] { [] }

    /// Builds the member's node only when it is one of the builder's keys.
    private func set(_ key: Key, _ node: () -> TemplateNode?) {
        let name = key.stringValue
        if let keys = builder.keys, !keys.contains(name) { return }
        if let node = node() { builder.dictionary?[name] = node }
    }

    // A nil optional is left out, as an absent value is false in a section.
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key) { .flag(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key) { builder.child(value) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key) { builder.child(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key) { builder.plain(value) } }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { set(key) { builder.child(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        pendingBuilder(key.stringValue).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        pendingBuilder(key.stringValue).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { pendingBuilder("super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { pendingBuilder(key.stringValue) }

    private func pendingBuilder(_ key: String) -> TreeBuilder {
        let nested = TreeBuilder(escape: builder.escape, keys: builder.keys)
        builder.pending.append((key, 0, nested))
        return nested
    }
}

private struct UnkeyedTreeBuilder: UnkeyedEncodingContainer {
    let builder: TreeBuilder
    var codingPath: [any CodingKey] { [] }
    var count: Int { builder.array?.count ?? 0 }

    private func append(_ node: TemplateNode?) {
        if let node { builder.array?.append(node) }
    }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { append(.flag(value)) }
    mutating func encode(_ value: String) throws { append(builder.child(value)) }
    mutating func encode(_ value: Int) throws { append(builder.child(value)) }
    mutating func encode(_ value: Double) throws { append(builder.plain(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(builder.child(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        pendingBuilder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { pendingBuilder().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { pendingBuilder() }

    private func pendingBuilder() -> TreeBuilder {
        let nested = TreeBuilder(escape: builder.escape, keys: builder.keys)
        builder.pending.append((nil, builder.array?.count ?? 0, nested))
        builder.array?.append(.map([:]))
        return nested
    }
}
