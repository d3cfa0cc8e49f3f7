import Testing
@testable import KubeSiftCore

/// Shares that threads produced, read as one array without copying them.
@Suite struct JoinedArraysTests {
    @Test("Indices run through the parts in order, empty parts included")
    func indexesAcrossParts() {
        var joined = JoinedArrays([[1, 2, 3], [], [4], [5, 6]])
        #expect(Array(joined) == [1, 2, 3, 4, 5, 6])
        #expect(joined.count == 6 && joined[3] == 4 && joined[5] == 6)
        joined.append([])
        joined.append([7, 8])
        #expect(Array(joined) == Array(1...8))
        #expect(joined.indices == 0..<8 && joined[7] == 8)
        #expect(JoinedArrays<Int>([]).isEmpty && JoinedArrays<Int>([[], []]).isEmpty)
    }

    @Test("Random shares read back exactly as the arrays put together")
    func matchesConcatenation() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let parts = (0..<Int.random(in: 0...9, using: &generator)).map { part in
                (0..<Int.random(in: 0...5, using: &generator)).map { "\(part)-\($0)" }
            }
            let joined = JoinedArrays(parts)
            let flat = parts.flatMap { $0 }
            #expect(Array(joined) == flat)
            #expect(flat.indices.allSatisfy { joined[$0] == flat[$0] })
        }
    }
}
