import Foundation

/// The templates `report.html` and `report.md` are rendered with: the built-in ones, compiled in
/// from `templates/`, with the files of `analyze --templates DIR` laid over them.
///
/// Files are named by their path below the folder. `.mustache` files are templates and partials,
/// named without the extension (`report.html`, `partials/html/cover`); `.css` and `.js` files are
/// partials named in full (`assets/report.css`), so a page can inline them.
package struct ReportTemplates: Sendable {
    /// Path below the templates folder → text.
    package private(set) var files: [String: String]
    /// Path → where it came from: `built-in`, or the file that replaced or added it.
    package private(set) var origins: [String: String]

    package static let extensions: Set<String> = ["mustache", "css", "js"]

    /// The templates compiled into the binary.
    package static var builtIn: ReportTemplates {
        ReportTemplates(files: Dictionary(uniqueKeysWithValues: BuiltInTemplateFiles.files.map { ($0.path, $0.text) }),
                        origins: Dictionary(uniqueKeysWithValues: BuiltInTemplateFiles.files.map { ($0.path, "built-in") }))
    }

    /// These templates with every template file below `directory` replacing the one at the same
    /// path, or added.
    ///
    /// - Throws: ``TemplateError`` when the folder cannot be read or a file in it does not parse.
    package func overridden(by directory: String) throws(TemplateError) -> ReportTemplates {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError(file: directory, message: "not a folder of templates")
        }
        var result = self
        let root = URL(fileURLWithPath: directory)
        let paths = ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? [])
            .filter { Self.extensions.contains(($0 as NSString).pathExtension) }.sorted()
        for path in paths {
            let file = root.appendingPathComponent(path).path
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TemplateError(file: file, message: "not UTF-8 text")
            }
            result.files[path] = text
            result.origins[path] = file
        }
        _ = try result.library()
        return result
    }

    /// Every file parsed, under its name (without `.mustache`).
    func library() throws(TemplateError) -> TemplateLibrary {
        var library = TemplateLibrary()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            let name = path.hasSuffix(".mustache") ? String(path.dropLast(".mustache".count)) : path
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError(file: origins[path] ?? path, message: "line \(error.line), column \(error.column): \(error.message)")
            }
        }
        return library
    }
}

/// A template that could not be read, parsed or rendered.
package struct TemplateError: Error, CustomStringConvertible, Sendable {
    package var file: String
    package var message: String

    package var description: String { "\(file): \(message)" }
}
