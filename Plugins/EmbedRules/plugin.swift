import Foundation
import PackagePlugin

/// Compiles the YAML catalog under `rules/` into the library, so the binary carries its rules and
/// needs no files beside it.
///
/// The catalog is linked into the target (`5-Classify/Catalog` → `rules/`), so SwiftPM tracks its
/// files like sources: adding, editing or removing a rule file rebuilds the catalog.
@main
struct EmbedRules: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let files = module.sourceFiles.map(\.url).filter { ["yml", "yaml"].contains($0.pathExtension) }
        let root = context.package.directoryURL.appending(path: "rules")
        let script = context.package.directoryURL.appending(path: "Plugins/EmbedRules/embed-rules.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) rule files",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, output.path, root.path],
                inputFiles: [script] + files,
                outputFiles: [output.appending(path: "BuiltInRuleFiles.swift")])
        ]
    }
}
