/// The dimensions activity is counted along.
package enum ActivityDimension: String, Sendable, Codable, CaseIterable, Comparable {
    case user
    case serviceAccount = "service-account"
    case sourceIP = "source-ip"
    case namespace
    case resource
    case verb
    case responseCode = "response-code"
    case userAgent = "user-agent"

    package static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Counts for one value of one dimension (one user, one IP, one verb…).
package struct ActivityCount: Sendable, Codable, Equatable {
    /// Distinct requests (a request's stages count once).
    package var requests = 0
    /// Requests that ended in 401 Unauthorized or 403 Forbidden.
    package var denied = 0
    package var firstSeen: Timestamp?
    package var lastSeen: Timestamp?

    package init() {}

    mutating func see(_ time: Timestamp?) {
        guard let time else { return }
        if firstSeen.map({ time < $0 }) ?? true { firstSeen = time }
        if lastSeen.map({ time > $0 }) ?? true { lastSeen = time }
    }

    /// Associative and commutative, so workers, chunks and shards can merge in any order.
    package mutating func merge(_ other: ActivityCount) {
        requests += other.requests
        denied += other.denied
        see(other.firstSeen)
        see(other.lastSeen)
    }
}

/// Requests in one UTC hour.
package struct HourlyCount: Sendable, Codable, Equatable {
    package var requests = 0
    package var denied = 0

    package mutating func merge(_ other: HourlyCount) {
        requests += other.requests
        denied += other.denied
    }
}

/// Requests of one resource by the audit level they were logged at: what the audit policy lets a
/// rule see of that resource.
package struct LevelCounts: Sendable, Codable, Equatable {
    package var metadata = 0
    package var request = 0
    package var requestResponse = 0
    /// Requests whose events carry no `level`, or one this tool does not know.
    package var unknown = 0

    package init(metadata: Int = 0, request: Int = 0, requestResponse: Int = 0, unknown: Int = 0) {
        self.metadata = metadata
        self.request = request
        self.requestResponse = requestResponse
        self.unknown = unknown
    }

    /// Requests logged at `level` or a more detailed one; a request of unknown level at least
    /// shows its metadata.
    package func requests(atLeast level: AuditLevel) -> Int {
        switch level {
        case .metadata: metadata + request + requestResponse + unknown
        case .request: request + requestResponse
        case .requestResponse: requestResponse
        }
    }

    mutating func add(_ level: AuditLevel?) {
        switch level {
        case .metadata?: metadata += 1
        case .request?: request += 1
        case .requestResponse?: requestResponse += 1
        case nil: unknown += 1
        }
    }

    package mutating func merge(_ other: LevelCounts) {
        metadata += other.metadata
        request += other.request
        requestResponse += other.requestResponse
        unknown += other.unknown
    }
}

/// Who did what, counted per dimension and per hour. A mergeable value: merging the statistics of
/// any partition of the events, in any order, gives the statistics of all of them.
package struct ActivityStats: Sendable, Equatable {
    package var dimensions: [ActivityDimension: [String: ActivityCount]] = [:]
    package var hourly: [Timestamp: HourlyCount] = [:]
    /// Distinct keys that did not fit in a dimension's table and were counted under `(other)`.
    package var overflowed: [ActivityDimension: Int] = [:]
    /// Per resource (named as in ``ActivityDimension/resource``), requests by audit level.
    package var levels: [String: LevelCounts] = [:]
    /// Per resource, then verb, requests by audit level: a policy may log a resource's writes in
    /// full and its reads as metadata only.
    package var verbLevels: [String: [String: LevelCounts]] = [:]

    package init() {}

    package mutating func merge(_ other: ActivityStats) {
        for (dimension, values) in other.dimensions {
            for (key, count) in values { dimensions[dimension, default: [:]][key, default: ActivityCount()].merge(count) }
        }
        for (hour, count) in other.hourly { hourly[hour, default: HourlyCount()].merge(count) }
        for (dimension, count) in other.overflowed { overflowed[dimension, default: 0] += count }
        for (resource, count) in other.levels { levels[resource, default: LevelCounts()].merge(count) }
        for (resource, verbs) in other.verbLevels {
            for (verb, count) in verbs { verbLevels[resource, default: [:]][verb, default: LevelCounts()].merge(count) }
        }
    }
}
