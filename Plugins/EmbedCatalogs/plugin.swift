import Foundation
import PackagePlugin

/// Compiles the data files into the library, so the binary carries them and needs no files beside
/// it: the detection rules under `rules/`, the control catalogs under `controls/` and the report
/// templates under `templates/`.
///
/// The folders are linked into the target (`5-Classify/Catalog` → `rules/`,
/// `6-Aggregate/Compliance/Controls` → `controls/`, `7-Report/Templates` → `templates/`), so SwiftPM
/// tracks their files like sources: adding, editing or removing one rebuilds the embedded copy.
@main
struct EmbedCatalogs: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let script = context.package.directoryURL.appending(path: "Plugins/EmbedCatalogs/embed-files.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let catalogs = [
            (folder: "rules", name: "BuiltInRuleFiles", extensions: ["yml", "yaml"]),
            (folder: "controls", name: "BuiltInControlFiles", extensions: ["yml", "yaml"]),
            (folder: "templates", name: "BuiltInTemplateFiles", extensions: ["mustache", "css", "js"]),
        ]
        return catalogs.map { catalog in
            let file = output.appending(path: catalog.name + ".swift")
            // Every file of these kinds is an input: a change anywhere regenerates the enum, which costs nothing.
            let inputs = module.sourceFiles.map(\.url).filter { catalog.extensions.contains($0.pathExtension) }
            return .buildCommand(
                displayName: "Embedding \(catalog.folder)/",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, file.path, catalog.name, catalog.folder,
                            context.package.directoryURL.appending(path: catalog.folder).path] + catalog.extensions,
                inputFiles: [script] + inputs,
                outputFiles: [file])
        }
    }
}
