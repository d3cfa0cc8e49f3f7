import ArgumentParser
import KubeSiftCore

/// Where reports go, in which formats, and what the terminal shows.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Directory to write the report into.", valueName: "dir"))
    var outputDir = "kubesift-report"

    @Option(help: ArgumentHelp(
        "Formats to write, comma-separated: html, md, csv, json (report.json and findings.jsonl); default: all. manifest.json is always written. Repeatable.",
        valueName: "format,..."))
    var format: [String] = []

    @Option(help: ArgumentHelp(
        "A folder of report templates laid over the built-in ones (report.html.mustache, report.md.mustache, partials/, assets/).",
        valueName: "dir"))
    var templates: String?

    @Flag(help: "Write into an output directory that already holds a report, replacing it.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only warnings and errors.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print notices (inputs skipped as not audit data, how long each stage took, …).")
    var verbose = false

    @Option(help: ArgumentHelp("Progress on stderr: auto (a live line on a terminal, periodic lines otherwise), always, never.",
                               valueName: "when"))
    var progress: ProgressMode = .auto

    enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    func validate() throws {
        do {
            _ = try ReportFormat.parse(format)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// What to write, or a usage error naming the template that does not parse.
    func reportOutput() throws -> ReportOutput {
        var templates = ReportTemplates.builtIn
        if let directory = self.templates {
            do {
                templates = try templates.overridden(by: directory)
            } catch {
                StandardError.write("kubesift: --templates: \(error)\n")
                throw KubeSiftExitCode.usage.exitCode
            }
        }
        return ReportOutput(formats: (try? ReportFormat.parse(format)) ?? Set(ReportFormat.allCases), templates: templates)
    }
}
