/// Arrays one after another, indexed as one, without copying their elements: the shares that
/// threads produced stay where they were built (a large element, such as a matched request, costs
/// a copy of each of its fields and, while both exist, twice the memory).
struct JoinedArrays<Element>: RandomAccessCollection {
    private var parts: [[Element]] = []
    /// Where each part starts in the joined indices, and the end.
    private var starts: [Int] = [0]

    init(_ parts: [[Element]]) {
        for part in parts { append(part) }
    }

    mutating func append(_ part: [Element]) {
        guard !part.isEmpty else { return }
        parts.append(part)
        starts.append(starts.last! + part.count)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { starts.last! }

    subscript(position: Int) -> Element {
        // Lent, not copied, like an array's element.
        _read {
            precondition(position >= 0 && position < endIndex, "index out of range")
            // A handful of parts (one per core): a scan beats a search.
            var part = 0
            while starts[part + 1] <= position { part += 1 }
            yield parts[part][position - starts[part]]
        }
    }
}

extension JoinedArrays: Sendable where Element: Sendable {}
