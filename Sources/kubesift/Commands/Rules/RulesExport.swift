import ArgumentParser
import Foundation
import KubeSiftCore

extension KubeSift.Rules {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the built-in rule files into a folder, to read, change and load with --rules.")

        @Argument(help: "The folder to write into (created when missing).")
        var directory: String

        func run() throws {
            var written = 0
            for file in RuleCatalog.builtInFiles {
                let path = directory + "/" + file.path
                do {
                    try FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try AtomicFileWriter.write(Array(file.text.utf8), to: path)
                } catch {
                    StandardError.write("kubesift: \(error)\n")
                    throw KubeSiftExitCode.outputError.exitCode
                }
                written += 1
            }
            print("\(written) rule files written to \(directory)")
        }
    }
}
