import Foundation
import PackagePlugin

/// Compiles the YAML catalogs into the library, so the binary carries them and needs no files
/// beside it: the detection rules under `rules/` and the control catalogs under `controls/`.
///
/// Both folders are linked into the target (`5-Classify/Catalog` → `rules/`,
/// `6-Aggregate/Compliance/Controls` → `controls/`), so SwiftPM tracks their files like sources:
/// adding, editing or removing one rebuilds the embedded copy.
@main
struct EmbedCatalogs: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let files = module.sourceFiles.map(\.url).filter { ["yml", "yaml"].contains($0.pathExtension) }
        let script = context.package.directoryURL.appending(path: "Plugins/EmbedCatalogs/embed-files.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [(folder: "rules", name: "BuiltInRuleFiles"), (folder: "controls", name: "BuiltInControlFiles")].map { catalog in
            let file = output.appending(path: catalog.name + ".swift")
            // Every YAML file is an input of both: a change anywhere regenerates both, which costs nothing.
            return .buildCommand(
                displayName: "Embedding \(catalog.folder)/",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, file.path, catalog.name, catalog.folder,
                            context.package.directoryURL.appending(path: catalog.folder).path],
                inputFiles: [script] + files,
                outputFiles: [file])
        }
    }
}
