import Crypto
import Yams

/// The default controls of one finding category in one catalog, as a mapping file lists them.
package struct CategoryMapping: Sendable {
    /// A ``RuleCategory`` name, or ``ControlLibrary/coverageCategory``.
    package var category: String
    /// The catalog as written (an alias is resolved by the library).
    package var catalog: String
    package var controls: [ControlEntry]
    package var file: String
    package var line: Int
    package var column: Int
}

/// Reads control catalogs and category mappings (`controls/*.yaml`) into values.
///
/// Works on YAML nodes, like ``RuleLoader``, so that every problem names its line and column. A
/// file holds either one catalog (it has `id` and `families`) or a mapping (it has `categories`).
package enum ControlLoader {
    /// What one file held.
    package struct FileResult: Sendable {
        package var catalogs: [ControlCatalog] = []
        package var mappings: [CategoryMapping] = []
        package var problems: [FileProblem] = []
    }

    /// Titles longer than this read like a requirement's text, not a title (and copyrighted text
    /// must not be shipped).
    package static let maximumTitleLength = 100
    package static let maximumNotesLength = 400

    package static func load(yaml text: String, path: String, isBuiltIn: Bool) -> FileResult {
        var result = FileResult()
        let reader = YAMLSource.Reader(file: path)
        do {
            // Every value here is text: no need for Yams' regex-based typing of scalars.
            guard let root = try YAMLSource.parser(text).singleRoot() else {
                result.problems.append(FileProblem(file: path, line: 1, column: 1, message: "the file is empty"))
                return result
            }
            let document = try reader.mapping(root, "a control file")
            if document["categories"] != nil {
                result.mappings = try mappings(document, reader: reader)
            } else if document["families"] != nil {
                let digest = SHA256.hash(data: Array(text.utf8)).lowercaseHex
                result.catalogs = [try catalog(document, root: root, reader: reader, isBuiltIn: isBuiltIn, sha256: digest)]
            } else {
                throw reader.fail(root, "neither a control catalog (`id`, `families`) nor a category mapping (`categories`)")
            }
        } catch {
            result.problems.append(YAMLSource.problem(from: error, file: path))
        }
        return result
    }

    /// Reads every `.yml`/`.yaml` file below a folder (or one file), in path order.
    package static func load(path: String) -> FileResult {
        let found = YAMLSource.files(at: path)
        var result = FileResult(problems: found.problems)
        for file in found.files {
            let loaded = load(yaml: file.text, path: file.path, isBuiltIn: false)
            result.catalogs += loaded.catalogs
            result.mappings += loaded.mappings
            result.problems += loaded.problems
        }
        return result
    }

    // MARK: - Catalogs

    private static func catalog(
        _ document: Node.Mapping, root: Node, reader: YAMLSource.Reader, isBuiltIn: Bool, sha256: String
    ) throws(FileProblem) -> ControlCatalog {
        try reader.onlyKeys(document, [
            "id", "framework", "title", "version", "aliases", "source", "text-license", "text-notice", "scope",
            "coverage", "families",
        ], in: "a catalog")
        func required(_ key: String) throws(FileProblem) -> String {
            guard let node = document[key] else { throw reader.fail(root, "the catalog has no `\(key)`") }
            let value = try reader.string(node, "`\(key)`")
            guard !value.isEmpty else { throw reader.fail(node, "`\(key)` is empty") }
            return value
        }
        let id = try required("id")
        try checkKey(id, document["id"], reader: reader)
        let aliases = try reader.strings(document["aliases"], "`aliases`")
        for alias in aliases { try checkKey(alias, document["aliases"], reader: reader) }
        let source = try required("source")
        guard source.hasPrefix("https://") else { throw reader.fail(document["source"], "`source` must be an https:// link to the official text") }
        let licenseNode = document["text-license"]
        guard let license = TextLicense(rawValue: try required("text-license")) else {
            throw reader.fail(licenseNode, "`text-license` must be paraphrased (copyrighted source) or reusable")
        }
        guard let scope = ScopeKind(rawValue: try required("scope")) else {
            throw reader.fail(document["scope"], "`scope` must be one of \(ScopeKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let familiesNode = document["families"]?.sequence, !familiesNode.isEmpty else {
            throw reader.fail(document["families"], "`families` must be a list of families, each with its controls")
        }
        var families: [ControlFamily] = []
        var controls: [Control] = []
        var seen: Set<String> = []
        for familyNode in familiesNode {
            let family = try reader.mapping(familyNode, "a family")
            try reader.onlyKeys(family, ["id", "title", "controls"], in: "a family")
            let familyID = try reader.string(family["id"] ?? familyNode, "the family's `id`")
            families.append(ControlFamily(id: familyID, title: try reader.string(family["title"] ?? familyNode, "the family's `title`")))
            guard let list = family["controls"]?.sequence, !list.isEmpty else {
                throw reader.fail(familyNode, "family \(familyID) lists no `controls`")
            }
            for node in list {
                let control = try self.control(node, family: familyID, reader: reader)
                guard seen.insert(control.id).inserted else { throw reader.fail(node, "control \(control.id) is listed twice") }
                controls.append(control)
            }
        }
        for control in controls {
            if let parent = control.parent, !seen.contains(parent) {
                throw FileProblem(file: reader.file, line: control.line, column: 1,
                                  message: "control \(control.id) names parent \(parent), which the catalog does not list")
            }
        }
        return ControlCatalog(
            id: id, framework: try required("framework"), title: try required("title"), version: try required("version"),
            aliases: aliases, source: source, textLicense: license, textNotice: try required("text-notice"), scope: scope,
            coverage: try required("coverage"), families: families, controls: controls, path: reader.file,
            isBuiltIn: isBuiltIn, sha256: sha256)
    }

    /// Catalog keys appear in `catalog:control` references: no colon, no space.
    private static func checkKey(_ key: String, _ node: Node?, reader: YAMLSource.Reader) throws(FileProblem) {
        guard !key.isEmpty, !key.contains(":"), !key.contains(where: \.isWhitespace) else {
            throw reader.fail(node, "`\(key)`: a catalog key has no colon or space")
        }
    }

    private static func control(_ node: Node, family: String, reader: YAMLSource.Reader) throws(FileProblem) -> Control {
        let mapping = try reader.mapping(node, "a control")
        try reader.onlyKeys(mapping, ["id", "title", "parent", "assessable", "evidence", "needs", "notes"], in: "a control")
        let id = try reader.string(mapping["id"] ?? node, "the control's `id`")
        guard !id.isEmpty, !id.contains(":") else { throw reader.fail(mapping["id"], "`\(id)`: a control id has no colon") }
        let titleNode = mapping["title"]
        let title = try reader.string(titleNode ?? node, "the title of \(id)")
        guard !title.isEmpty, !title.contains("\n"), title.count <= maximumTitleLength else {
            throw reader.fail(titleNode, "the title of \(id) must be one line of at most \(maximumTitleLength) characters, in KubeSift's own words")
        }
        var control = Control(id: id, family: family, parent: nil, title: title, assessable: .none, evidence: [], needs: [],
                              notes: nil, line: node.mark?.line ?? 0)
        if let parent = mapping["parent"] { control.parent = try reader.string(parent, "`parent`") }
        if let assessable = mapping["assessable"] {
            guard let value = Assessability(rawValue: try reader.string(assessable, "`assessable`")) else {
                throw reader.fail(assessable, "`assessable` must be full, partial or none")
            }
            control.assessable = value
        }
        for text in try reader.strings(mapping["evidence"], "`evidence`") {
            guard let kind = EvidenceKind(rawValue: text) else {
                throw reader.fail(mapping["evidence"], "`\(text)`: evidence is one of \(EvidenceKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            control.evidence.append(kind)
        }
        if let needs = mapping["needs"] {
            guard let list = needs.sequence else { throw reader.fail(needs, "`needs` must be a list of {resource, level}") }
            for element in list { control.needs.append(try need(element, reader: reader)) }
        }
        if let notes = mapping["notes"] {
            let text = try reader.string(notes, "`notes`")
            guard text.count <= maximumNotesLength else {
                throw reader.fail(notes, "the notes of \(id) are longer than \(maximumNotesLength) characters")
            }
            control.notes = text
        }
        if control.assessable == .none, !control.needs.isEmpty {
            throw reader.fail(mapping["needs"], "control \(id) is not assessable from audit logs, so it needs no events")
        }
        return control
    }

    private static func need(_ node: Node, reader: YAMLSource.Reader) throws(FileProblem) -> EventNeed {
        let mapping = try reader.mapping(node, "a need ({resource: …, level: …})")
        try reader.onlyKeys(mapping, ["resource", "level"], in: "a need")
        var need = EventNeed(resource: try reader.string(mapping["resource"] ?? node, "`resource`"))
        if let level = mapping["level"] {
            guard let value = AuditLevel(rawValue: try reader.string(level, "`level`")) else {
                throw reader.fail(level, "`level` must be Metadata, Request or RequestResponse")
            }
            need.level = value
        }
        return need
    }

    // MARK: - Mappings

    private static func mappings(_ document: Node.Mapping, reader: YAMLSource.Reader) throws(FileProblem) -> [CategoryMapping] {
        try reader.onlyKeys(document, ["categories"], in: "a category mapping")
        let categories = try reader.mapping(document["categories"]!, "`categories`")
        var result: [CategoryMapping] = []
        for (categoryNode, perCatalog) in categories {
            let category = try reader.string(categoryNode, "a category")
            for (catalogNode, list) in try reader.mapping(perCatalog, "the catalogs of \(category)") {
                guard let sequence = list.sequence else { throw reader.fail(list, "a list of control ids") }
                var entries: [ControlEntry] = []
                for element in sequence { entries.append(try ControlEntry.read(element, reader)) }
                result.append(CategoryMapping(
                    category: category, catalog: try reader.string(catalogNode, "a catalog"), controls: entries,
                    file: reader.file, line: catalogNode.mark?.line ?? 0, column: catalogNode.mark?.column ?? 0))
            }
        }
        return result
    }
}
