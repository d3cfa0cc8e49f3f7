extension ReportModel {
    /// A list of the model whose elements are made when they are read: a row per finding, for
    /// tens of thousands of findings, is never held whole. The templates walk it once, an element
    /// at a time (``TemplateNode/lazyList(_:)``); other readers index it like an array.
    package struct LazyList<Element: Encodable & Sendable>: RandomAccessCollection, Encodable, Sendable {
        /// An element, with only the members of the names given filled in when there are any.
        private let make: @Sendable (Int, Set<String>?) -> Element
        package let count: Int

        /// `base`'s elements through `transform`.
        init<Base: Sendable>(_ base: [Base], _ transform: @escaping @Sendable (Base) -> Element) {
            count = base.count
            make = { index, _ in transform(base[index]) }
        }

        /// `base`'s elements through `transform`, which may leave out members a template does not
        /// read (see ``MustacheTree/LazyNodes``).
        init<Base: Sendable>(_ base: [Base], _ transform: @escaping @Sendable (Base, Set<String>?) -> Element) {
            count = base.count
            make = { transform(base[$0], $1) }
        }

        package var startIndex: Int { 0 }
        package var endIndex: Int { count }
        package subscript(position: Int) -> Element { make(position, nil) }

        /// The element at `position` with the members of `keys` (all of them when nil).
        func element(_ position: Int, reading keys: Set<String>?) -> Element { make(position, keys) }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            for element in self { try container.encode(element) }
        }
    }
}

extension ReportModel.LazyList: LazyTreeList {
    func lazyNodes(escape: @escaping (String) -> String) -> MustacheTree.LazyNodes? {
        guard count > MustacheTree.lazyListLength else { return nil }
        return MustacheTree.LazyNodes(count: count) { [self] index, keys in
            MustacheTree.of(element(index, reading: keys), escape: escape, keys: keys)
        }
    }
}
