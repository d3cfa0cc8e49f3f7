import Foundation
import Yams

/// Something wrong with a rule or control-catalog file, with where it is.
package struct FileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int
    package var message: String

    package var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Reading the YAML files KubeSift's catalogs are written in: finding them, and turning every
/// problem into a ``FileProblem`` that names its line and column.
package enum YAMLSource {
    /// A parser of `text` that only composes nodes. Yams' defaults cost more than a small file's
    /// parse: its default constructor builds three tables of Swift value builders, which composing
    /// never uses, and its default encoding reads the whole environment, for every parser.
    static func parser(_ text: String, resolver: Resolver = .basic) throws -> Parser {
        try Parser(yaml: text, resolver: resolver, constructor: Constructor([:], [:], [:]), encoding: .utf8)
    }

    /// The text of every `.yml`/`.yaml` file below a folder (or of one file), in path order.
    package static func files(at path: String) -> (files: [(path: String, text: String)], problems: [FileProblem]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [FileProblem(file: path, line: 0, column: 0, message: "no such file or folder")])
        }
        var paths: [String] = []
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".yml") || relative.hasSuffix(".yaml") {
                    paths.append((path as NSString).appendingPathComponent(relative))
                }
            }
            paths.sort()
        } else {
            paths = [path]
        }
        var files: [(path: String, text: String)] = []
        var problems: [FileProblem] = []
        for file in paths {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(FileProblem(file: file, line: 0, column: 0, message: "cannot be read"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems.append(FileProblem(file: file, line: 0, column: 0, message: "is not UTF-8"))
                continue
            }
            files.append((file, text))
        }
        return (files, problems)
    }

    /// A Yams error as a problem at its place in `file`; a ``FileProblem`` as it is.
    package static func problem(from error: any Error, file: String) -> FileProblem {
        if let problem = error as? FileProblem { return problem }
        guard let error = error as? YamlError else { return FileProblem(file: file, line: 1, column: 1, message: "\(error)") }
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return FileProblem(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return FileProblem(file: file, line: context.mark.line, column: context.mark.column,
                               message: "YAML: duplicated keys \(duplicates.joined(separator: ", "))")
        default:
            return FileProblem(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    /// Typed reads of YAML nodes that fail with the node's line and column.
    package struct Reader {
        package let file: String

        package init(file: String) { self.file = file }

        package func fail(_ node: Node?, _ message: String) -> FileProblem {
            FileProblem(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
        }

        package func mapping(_ node: Node, _ what: String) throws(FileProblem) -> Node.Mapping {
            guard let mapping = node.mapping else { throw fail(node, "\(what) must be a mapping") }
            return mapping
        }

        package func string(_ node: Node?, _ what: String) throws(FileProblem) -> String {
            guard let node, let scalar = node.scalar else { throw fail(node, "\(what) must be text") }
            return scalar.string
        }

        /// A scalar or a list of scalars; nothing when the node is absent.
        package func strings(_ node: Node?, _ what: String) throws(FileProblem) -> [String] {
            guard let node else { return [] }
            if let scalar = node.scalar { return [scalar.string] }
            guard let sequence = node.sequence else { throw fail(node, "\(what) must be a list of text") }
            var values: [String] = []
            for element in sequence { values.append(try string(element, what)) }
            return values
        }

        /// Throws for a key of `mapping` that is not one of `allowed`: a typo must not pass silently.
        package func onlyKeys(_ mapping: Node.Mapping, _ allowed: [String], in what: String) throws(FileProblem) {
            for (key, _) in mapping where !allowed.contains(key.string ?? "") {
                throw fail(key, "unknown key `\(key.string ?? "")` in \(what) (allowed: \(allowed.joined(separator: ", ")))")
            }
        }
    }
}
