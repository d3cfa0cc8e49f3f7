extension ReportModel {
    /// A list of the model whose elements are made when they are read: a row per finding, for
    /// tens of thousands of findings, is never held whole. The templates walk it once, an element
    /// at a time (``TemplateNode/lazyList(_:)``); other readers index it like an array.
    package struct LazyList<Element: Encodable & Sendable>: RandomAccessCollection, Encodable, Sendable {
        private let make: @Sendable (Int) -> Element
        package let count: Int

        /// `base`'s elements through `transform`.
        init<Base: Sendable>(_ base: [Base], _ transform: @escaping @Sendable (Base) -> Element) {
            count = base.count
            make = { transform(base[$0]) }
        }

        package var startIndex: Int { 0 }
        package var endIndex: Int { count }
        package subscript(position: Int) -> Element { make(position) }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            for element in self { try container.encode(element) }
        }
    }
}

extension ReportModel.LazyList: LazyTreeList {}
