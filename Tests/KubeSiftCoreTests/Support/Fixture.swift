import Foundation

/// A compression tool, as CI installs it (gzip bzip2 xz-utils zstd lz4).
enum Compressor: String, CaseIterable, Sendable, CustomStringConvertible {
    case gzip, bzip2, xz, zstd, lz4

    var fileExtension: String {
        switch self {
        case .gzip: "gz"
        case .bzip2: "bz2"
        case .xz: "xz"
        case .zstd: "zst"
        case .lz4: "lz4"
        }
    }

    /// The command that writes the compressed form of its last argument to stdout.
    var command: [String] {
        switch self {
        case .gzip: ["gzip", "-n", "-c"]
        case .bzip2: ["bzip2", "-c"]
        case .xz: ["xz", "-c"]
        case .zstd: ["zstd", "-q", "-c"]
        case .lz4: ["lz4", "-q", "-c"]
        }
    }

    /// The name libarchive reports for the filter.
    var filterName: String { rawValue }

    var description: String { rawValue }
}

struct FixtureCommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var stderr: String
    var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
}

/// Builds compressed files and archives with the real command-line tools, so that the reader is
/// tested against what those tools write, not against what the code under test believes they write.
enum Fixture {
    /// Runs a tool (looked up on `PATH`) and returns its stdout, or writes stdout to `output`.
    /// A non-zero exit throws, unless `allowingFailure` (a decompressor that reports damage after
    /// writing what it could still read).
    @discardableResult
    static func run(_ command: [String], in directory: String? = nil, output: String? = nil,
                    allowingFailure: Bool = false) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let errors = Pipe()
        process.standardError = errors
        var outputHandle: FileHandle?
        let pipe = Pipe()
        if let output {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardOutput = outputHandle
        } else {
            process.standardOutput = pipe
        }
        try process.run()
        // Read before waiting, so that a large output cannot fill the pipe and block the tool.
        let captured = output == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try outputHandle?.close()
        guard process.terminationStatus == 0 || allowingFailure else {
            throw FixtureCommandFailed(command: command, status: process.terminationStatus,
                                       stderr: String(decoding: stderr, as: UTF8.self))
        }
        return Array(captured)
    }

    /// Compresses `path` with `compressor` into `path.<ext>` (the original is kept); returns the new path.
    @discardableResult
    static func compress(_ path: String, with compressor: Compressor) throws -> String {
        let target = path + "." + compressor.fileExtension
        try run(compressor.command + [path], output: target)
        return target
    }

    /// `tar` of `members` (paths relative to `directory`) into `archive`; `filter` adds
    /// gzip/xz/zstd compression (`-z`, `-J`, `--zstd`).
    @discardableResult
    static func tar(_ archive: String, members: [String], in directory: String, filter: Compressor? = nil) throws
        -> String
    {
        var flags = ["--format=gnu", "-c"]
        switch filter {
        case nil: break
        case .gzip?: flags.append("-z")
        case .xz?: flags.append("-J")
        case .bzip2?: flags.append("-j")
        case .zstd?: flags.append("--zstd")
        case .lz4?: flags.append("--use-compress-program=lz4 -q")
        }
        try run(["tar"] + flags + ["-f", archive, "-C", directory] + members)
        return archive
    }

    /// `zip -q` of `members` (paths relative to `directory`) into `archive`.
    @discardableResult
    static func zip(_ archive: String, members: [String], in directory: String) throws -> String {
        try run(["zip", "-q", "-X", archive] + members, in: directory)
        return archive
    }

    /// What `command` (a decompressor writing to stdout, such as `gzip -dc`) recovers from `path`,
    /// damaged or not: an oracle for what is readable before the damage.
    static func recover(_ command: [String], from path: String) throws -> [UInt8] {
        try run(command + [path], allowingFailure: true)
    }

    /// The first `count` bytes of `path`, written to `output` (`head -c`).
    @discardableResult
    static func head(_ path: String, bytes count: Int, output: String) throws -> String {
        try run(["head", "-c", String(count), path], output: output)
        return output
    }

    /// The files concatenated into `output` (`cat`).
    @discardableResult
    static func cat(_ paths: [String], output: String) throws -> String {
        try run(["cat"] + paths, output: output)
        return output
    }

    /// The hex SHA-256 of `path`, as `sha256sum` computes it.
    static func sha256sum(_ path: String) throws -> String {
        let output = String(decoding: try run(["sha256sum", path]), as: UTF8.self)
        return String(output.prefix { !$0.isWhitespace })
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Overwrites bytes of `path` at `offset`, in place.
    static func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
    }
}
