import ArgumentParser
import KubeSiftCore

extension KubeSift.Rules {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules a run would use.")

        @OptionGroup var rules: RuleOptions

        @Option(help: "Only rules of this category.")
        var category: String?

        func run() throws {
            let ruleSet = try rules.ruleSet(builtInExamples: false)
            var rows: [[String]] = [["NAME", "SEVERITY", "CATEGORY", "KIND", "TITLE"]]
            for definition in ruleSet.all {
                let meta = definition.metadata
                if let category, meta.category.rawValue != category { continue }
                rows.append([meta.name, meta.severity.rawValue, meta.category.rawValue, definition.kindName, meta.title])
            }
            print(TextTable.render(rows), terminator: "")
            print("\(rows.count - 1) rules")
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() where index < columns - 1 { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }.joined()
    }
}

import Foundation
