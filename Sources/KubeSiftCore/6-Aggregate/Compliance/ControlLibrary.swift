/// The control catalogs and category mappings of a run: the built-in ones from `controls/`, then
/// the user's `--controls` files (a catalog with the id of a built-in one replaces it; a mapping
/// replaces the built-in mapping of the same category and catalog).
package struct ControlLibrary: Sendable {
    /// Not a rule category: the controls every run evidences by itself (audit events exist for the
    /// period, every input was read, hashed and counted, the rules reviewed them).
    package static let coverageCategory = "audit-coverage"

    /// Categories a mapping file may name.
    package static var categoryNames: [String] { RuleCategory.allCases.map(\.rawValue) + [coverageCategory] }

    /// In report order: the built-in catalogs, then the user's in the order given.
    package private(set) var catalogs: [ControlCatalog]
    /// One per category and catalog (by catalog id), in the order read.
    package private(set) var mappings: [CategoryMapping]

    /// The catalogs and mapping compiled into the binary, read once.
    package static let builtIn: Result<ControlLibrary, FileProblem> = {
        // The files are independent: parsed on every core, put together in file order.
        let files = BuiltInControlFiles.files
        let results = concurrentMap(files.count) { index in
            ControlLoader.load(yaml: files[index].text, path: "controls/" + files[index].path, isBuiltIn: true)
        }
        var loaded = ControlLoader.FileResult()
        for result in results {
            loaded.catalogs += result.catalogs
            loaded.mappings += result.mappings
            loaded.problems += result.problems
        }
        if let problem = loaded.problems.first { return .failure(problem) }
        return Result { () throws(FileProblem) in try ControlLibrary(catalogs: loaded.catalogs, mappings: loaded.mappings) }
    }()

    /// The built-in files as written, by path below `controls/`.
    package static var builtInFiles: [(path: String, text: String)] { BuiltInControlFiles.files }

    /// The built-in library with the files under `extraPaths` laid over it.
    ///
    /// - Throws: the first problem in any file, or a mapping that names a category, catalog or control
    ///   that does not exist.
    package static func load(extraPaths: [String]) throws(FileProblem) -> ControlLibrary {
        let base = try builtIn.get()
        guard !extraPaths.isEmpty else { return base }
        var catalogs = base.catalogs
        var mappings = base.mappings
        for path in extraPaths {
            let loaded = ControlLoader.load(path: path)
            if let problem = loaded.problems.first { throw problem }
            for catalog in loaded.catalogs {
                if let index = catalogs.firstIndex(where: { $0.id == catalog.id }) {
                    catalogs[index] = catalog
                } else {
                    catalogs.append(catalog)
                }
            }
            mappings += loaded.mappings
        }
        return try ControlLibrary(catalogs: catalogs, mappings: mappings)
    }

    /// - Parameter mappings: in order of precedence: a later mapping of a category and catalog
    ///   replaces an earlier one.
    /// - Throws: two catalogs with one key, or a mapping naming what does not exist.
    package init(catalogs: [ControlCatalog], mappings: [CategoryMapping]) throws(FileProblem) {
        var keys: [String: String] = [:]
        for catalog in catalogs {
            for key in [catalog.id] + catalog.aliases {
                if let other = keys[key] {
                    throw FileProblem(file: catalog.path, line: 1, column: 1,
                                      message: "`\(key)` already names the catalog in \(other)")
                }
                keys[key] = catalog.path
            }
        }
        self.catalogs = catalogs
        self.mappings = []
        // Resolved first, so that a later mapping replaces an earlier one before either is checked
        // against its catalog (a replaced catalog's built-in mapping may name controls it lacks).
        for mapping in mappings {
            guard Self.categoryNames.contains(mapping.category) else {
                throw FileProblem(file: mapping.file, line: mapping.line, column: mapping.column,
                                  message: "unknown category `\(mapping.category)`; one of: \(Self.categoryNames.joined(separator: ", "))")
            }
            guard let catalog = catalog(named: mapping.catalog, byKeyOnly: true) else {
                throw FileProblem(file: mapping.file, line: mapping.line, column: mapping.column,
                                  message: "no catalog has the key `\(mapping.catalog)`")
            }
            var resolved = mapping
            resolved.catalog = catalog.id
            self.mappings.removeAll { $0.category == resolved.category && $0.catalog == resolved.catalog }
            self.mappings.append(resolved)
        }
        for mapping in self.mappings {
            let catalog = catalog(named: mapping.catalog, byKeyOnly: true)!
            var seen: Set<String> = []
            for entry in mapping.controls {
                guard catalog.control(entry.reference) != nil else {
                    throw FileProblem(file: mapping.file, line: entry.line, column: entry.column,
                                      message: "\(catalog.id) (\(catalog.path)) has no control `\(entry.reference)`")
                }
                guard seen.insert(entry.reference).inserted else {
                    throw FileProblem(file: mapping.file, line: entry.line, column: entry.column,
                                      message: "`\(entry.reference)` is listed twice for \(mapping.category)")
                }
            }
        }
    }

    /// The catalog with this id or alias (or, unless `byKeyOnly`, of this framework: the first).
    package func catalog(named name: String, byKeyOnly: Bool = false) -> ControlCatalog? {
        catalogs.first { $0.id == name || $0.aliases.contains(name) }
            ?? (byKeyOnly ? nil : catalogs.first { $0.framework == name })
    }

    /// `catalog:control` with the catalog's alias resolved, when the control exists.
    package func resolve(_ text: String) -> ControlReference? {
        guard let written = ControlReference(text), let catalog = catalog(named: written.catalog, byKeyOnly: true),
              catalog.control(written.control) != nil
        else { return nil }
        return ControlReference(catalog: catalog.id, control: written.control)
    }

    /// The controls of a category, with the weight each is mapped with.
    package func controls(ofCategory category: String) -> [ControlReference: MappingWeight] {
        var controls: [ControlReference: MappingWeight] = [:]
        for mapping in mappings where mapping.category == category {
            for entry in mapping.controls {
                controls[ControlReference(catalog: mapping.catalog, control: entry.reference)] = entry.weight
            }
        }
        return controls
    }

    /// The controls a rule's findings map to: its category's, less what the rule removes, plus
    /// what it adds (an added control takes the weight the rule gives it).
    package func controls(for rule: RuleMetadata) -> [ControlReference: MappingWeight] {
        var controls = controls(ofCategory: rule.category.rawValue)
        for entry in rule.controls.remove {
            if let reference = resolve(entry.reference) { controls[reference] = nil }
        }
        for entry in rule.controls.add {
            if let reference = resolve(entry.reference) { controls[reference] = entry.weight }
        }
        return controls
    }

    /// What is wrong with the rules' `kubesift.controls`: a control no catalog has, or a removal of
    /// a control the category does not map to.
    package func problems(in rules: [RuleDefinition]) -> [FileProblem] {
        var problems: [FileProblem] = []
        for rule in rules {
            let meta = rule.metadata
            let defaults = controls(ofCategory: meta.category.rawValue)
            func problem(_ entry: ControlEntry, _ message: String) {
                problems.append(FileProblem(file: meta.origin.path, line: entry.line, column: entry.column,
                                            message: "\(meta.name): \(message)"))
            }
            for entry in meta.controls.add + meta.controls.remove where resolve(entry.reference) == nil {
                problem(entry, "no catalog has the control `\(entry.reference)` (see controls/ and --controls)")
            }
            for entry in meta.controls.remove {
                if let reference = resolve(entry.reference), defaults[reference] == nil {
                    problem(entry, "removes `\(entry.reference)`, which category \(meta.category.rawValue) does not map to")
                }
            }
        }
        return problems
    }

    /// The catalogs `names` pick (ids, aliases or framework names), in report order; all when empty.
    package func catalogs(named names: [String]) throws(ComplianceOptionError) -> [ControlCatalog] {
        guard !names.isEmpty else { return catalogs }
        for name in names where !catalogs.contains(where: { $0.isNamed(name) }) {
            throw ComplianceOptionError(
                "--frameworks: no catalog is named `\(name)`; one of: \(catalogs.map { "\($0.framework) (\($0.id))" }.joined(separator: ", "))")
        }
        return catalogs.filter { catalog in names.contains(where: catalog.isNamed) }
    }
}

/// A compliance option that names nothing, or is written wrong; the message says what is accepted.
package struct ComplianceOptionError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
