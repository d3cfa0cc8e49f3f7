import Foundation

/// Hands memory the program freed back to the system, where the C library keeps it otherwise.
///
/// glibc gives each thread an arena of its own and keeps what a thread frees there for that arena:
/// when the read pass ends, its decode threads' buffers stay resident while assembly and the report
/// allocate from other arenas. `malloc_trim` returns the free pages of every arena (about 40 MB of
/// the peak at 4.4 GB of input). Looked up at run time: other C libraries lack it.
enum ReturnFreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) }

    static func now() {
        _ = trim?(0)
    }
}
