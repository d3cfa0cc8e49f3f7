/// Everything one analysis depends on, as one value passed down from the command line.
package struct AnalysisOptions: Sendable {
    /// Files and directories to read.
    package var paths: [String]
    package var cluster: String?
    package var clusterFromDirectory = false
    package var window = TimeWindow.unbounded
    /// Decode threads; by default one per core.
    package var workers: Int
    package var readLimits = ReadLimits()
    /// Bytes per chunk handed to a decoder.
    package var chunkBytes = 1 << 20
    /// A record (line, or document value) longer than this is skipped, not held.
    package var maximumRecordBytes = 64 << 20
    /// Memory the request index may use before it spills time slots to disk (see ``Deduplicator``).
    package var indexMemoryBytes = 32 << 20

    package init(paths: [String], workers: Int = ProcessInfoLite.activeProcessorCount) {
        self.paths = paths
        self.workers = max(1, workers)
    }
}

/// The processor count without importing Foundation's process-wide `ProcessInfo` into every caller.
package enum ProcessInfoLite {
    package static var activeProcessorCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
