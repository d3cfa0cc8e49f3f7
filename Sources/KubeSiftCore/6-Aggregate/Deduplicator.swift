import Synchronization

/// Decides, across every worker, whether an event is new and whether it opens a new request.
///
/// A request is identified by a fingerprint of the fields all its stages share (auditID, receive
/// time, user, verb, URI, source, object); an event by that request and its stage. So the same event
/// read twice (a live file and its rotated copy, overlapping syncs, one member in two tarballs)
/// counts once, and RequestReceived/ResponseStarted/ResponseComplete fold into one request, while a
/// client that reuses an `Audit-ID` header for different requests cannot hide one behind another.
///
/// The index is sharded by fingerprint so that workers rarely wait for each other; it costs about
/// 25 bytes per distinct request.
package final class Deduplicator: Sendable {
    private final class Shard: Sendable {
        let stagesSeen = Mutex<[Fingerprint: UInt8]>([:])
    }

    private let shards: [Shard]

    package init(shardCount: Int = 64) {
        shards = (0..<shardCount).map { _ in Shard() }
    }

    /// Records that `stage` of `request` was seen.
    ///
    /// - Returns: whether the event is new (not a duplicate), whether its request is new, and whether
    ///   it is the first of its request's stages to carry the response (the one whose code counts).
    package func record(request: Fingerprint, stage: AuditStage)
        -> (newEvent: Bool, newRequest: Bool, firstResponse: Bool)
    {
        let shard = shards[Int(truncatingIfNeeded: request.low % UInt64(shards.count))]
        return shard.stagesSeen.withLock { seen in
            let previous = seen[request] ?? 0
            if previous & stage.rawValue != 0 { return (false, false, false) }
            seen[request] = previous | stage.rawValue
            return (true, previous == 0, stage.carriesResponse && previous & AuditStage.responseStages == 0)
        }
    }

    package var distinctRequests: Int {
        shards.reduce(0) { total, shard in total + shard.stagesSeen.withLock { $0.count } }
    }
}
