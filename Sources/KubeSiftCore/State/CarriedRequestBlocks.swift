/// Requests of open correlation windows as the state stores them: binary blocks
/// (``MatchCodec/encode(carried:)``) of up to ``requestsPerBlock`` requests each.
///
/// A run holds them in this form from the state's read to assembly, and from assembly to the
/// commit: as values, the last hour of a busy cluster (230,000 requests) took 250 MB through the
/// whole run; encoded, they take 30 MB, and are decoded a block at a time when correlations count
/// them.
package struct CarriedRequestBlocks: Sendable, Equatable {
    package private(set) var blocks: [[UInt8]] = []
    /// How many requests the blocks hold.
    package private(set) var count = 0

    /// A few MB a block, never one blob the size of them all.
    static let requestsPerBlock = 16_384

    package init() {}

    /// Encodes `requests`, in their order.
    package init(_ requests: [CarriedRequest]) {
        append(requests)
    }

    /// Encodes this run's `requests` as carried requests, named (``MatchCodec/encode(carrying:rules:name:)``),
    /// without making ``CarriedRequest`` values of them.
    init(carrying requests: some RandomAccessCollection<MatchedRequest>, rules: RuleSet, name: MatchedRequest.Namer) {
        append(requests) { MatchCodec.encode(carrying: $0, rules: rules, name: name) }
    }

    package var isEmpty: Bool { count == 0 }

    /// Adds a block read from a state, after checking that it decodes.
    mutating func append(validating block: [UInt8]) throws(MatchCodecError) {
        count += try MatchCodec.decodeCarried(block).count
        blocks.append(block)
    }

    mutating func append(_ requests: [CarriedRequest]) {
        append(requests) { MatchCodec.encode(carried: Array($0)) }
    }

    /// Encodes `requests` ``requestsPerBlock`` at a time.
    private mutating func append<Requests: RandomAccessCollection>(_ requests: Requests, encode: (Requests.SubSequence) -> [UInt8]) {
        var start = requests.startIndex
        while start != requests.endIndex {
            let end = requests.index(start, offsetBy: Self.requestsPerBlock, limitedBy: requests.endIndex) ?? requests.endIndex
            blocks.append(encode(requests[start..<end]))
            start = end
        }
        count += requests.count
    }

    /// Every request, decoded.
    package func decoded() throws(MatchCodecError) -> [CarriedRequest] {
        var requests: [CarriedRequest] = []
        requests.reserveCapacity(count)
        for block in blocks { requests += try MatchCodec.decodeCarried(block) }
        return requests
    }

    /// Hands `body` each request that still counts under `rules` (``CarriedRequest/Resolver``),
    /// with its place among all of them, decoded a block at a time.
    func forEachResolved(in rules: RuleSet, _ body: (Int, MatchedRequest) -> Void) {
        let resolver = CarriedRequest.Resolver(rules)
        var index = 0
        for block in blocks {
            // Every block was checked as the state was read, or encoded by this process.
            guard let requests = try? MatchCodec.decodeCarried(block) else { continue }
            for request in requests {
                if let resolved = resolver.resolve(request) { body(index, resolved) }
                index += 1
            }
        }
    }

    /// Appends the blocks of `other`.
    mutating func append(_ other: CarriedRequestBlocks) {
        blocks += other.blocks
        count += other.count
    }
}
