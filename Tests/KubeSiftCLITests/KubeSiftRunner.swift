import Foundation
import KubeSiftCore
import Testing

/// Runs the built `kubesift` binary the way a user or a cron job does, and captures what it says.
struct KubeSiftRunner {
    struct Outcome {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `kubesift` (or another product, such as `kubesift-fuzz`) sits next to the test bundle in
    /// SwiftPM's build folder.
    static func binary(_ name: String = "kubesift") -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug/\(name)")
    }

    /// Whether this test process (and so the binary it runs, built alike) runs under ThreadSanitizer.
    static let underThreadSanitizer: Bool = {
        guard let handle = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(handle) }
        return dlsym(handle, "__tsan_init") != nil
    }()

    /// - Parameter fileSizeLimitKiB: a limit on the size of every file the process writes (`ulimit -f`),
    ///   beyond which writes fail as they do on a full disk (`EFBIG` where a full disk gives `ENOSPC`).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    in directory: URL = repositoryRoot, executable: String = "kubesift",
                    fileSizeLimitKiB: Int? = nil) throws -> Outcome {
        let process = Process()
        if let fileSizeLimitKiB {
            // SIGXFSZ would kill the process at the limit; ignored, it survives exec and the write fails instead.
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -f \(fileSizeLimitKiB); trap '' XFSZ; exec \"$0\" \"$@\"",
                                 binary(executable).path] + arguments
        } else {
            process.executableURL = binary(executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain stderr on another thread while reading stdout: a child that fills one pipe while
        // we wait on the other would block forever (a sanitizer report is easily over 64 KiB).
        let stderrReader = StderrReader(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = stderrReader.finish()
        process.waitUntilExit()
        return Outcome(exitCode: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class StderrReader: Sendable {
    private let data = Locked<Data>(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [data, done] in
            let bytes = handle.readDataToEndOfFile()
            data.withLock { $0 = bytes }
            done.signal()
        }.start()
    }

    func finish() -> Data {
        done.wait()
        return data.withLock { $0 }
    }
}

/// A fresh directory that removes itself.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kubesift-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = self.path(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = url
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "fixture command failed: \(command)")
    }
}

/// One realistic audit event line.
func auditLine(id: Int, at time: String, user: String = "alice@example.com", verb: String = "get",
               resource: String = "pods", namespace: String = "shop", code: Int = 200,
               stage: String = "ResponseComplete") -> String {
    let auditID = String(format: "00000000-0000-4000-8000-%012d", id)
    return #"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"\#(auditID)","stage":"\#(stage)","requestURI":"/api/v1/namespaces/\#(namespace)/\#(resource)?limit=500\u0026resourceVersion=0","verb":"\#(verb)","user":{"username":"\#(user)","groups":["system:authenticated"]},"sourceIPs":["10.0.0.\#(id % 250)"],"userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46","objectRef":{"resource":"\#(resource)","namespace":"\#(namespace)","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":\#(code)},"requestReceivedTimestamp":"\#(time)","stageTimestamp":"\#(time)","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#
}
