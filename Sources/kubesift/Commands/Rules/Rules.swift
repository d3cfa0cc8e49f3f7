import ArgumentParser

extension KubeSift {
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, inspect, test, validate and export detection rules.",
            discussion: """
                Rules are Sigma rules for `logsource: product: kubernetes, service: audit`. The built-in \
                catalog is compiled in; `--rules DIR` adds rules or replaces built-ins with the same id \
                or name. Writing a rule: docs/writing-rules.md.
                """,
            subcommands: [List.self, Show.self, Test.self, Validate.self, Export.self])
    }
}
