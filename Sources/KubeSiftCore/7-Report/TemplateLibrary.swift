/// The report templates, parsed, and what renders them: Mustache (https://mustache.github.io/mustache.5.html)
/// over a ``TemplateNode`` tree, written to the output as it is rendered.
///
/// What templates may use: variables (`{{name}}`, `{{a.b}}`, `{{.}}`; `{{{name}}}` and `{{& name}}`
/// are the same, since every value is escaped already), sections and inverted sections, comments,
/// partials (a standalone one indented as its tag), set delimiters, standalone tags taking their
/// line with them; and the transforms of swift-mustache, which rendered these templates before:
/// `first()`, `last()`, `index()`, `even()`, `odd()` inside a list, and `first`, `last`,
/// `reversed`, `count`, `empty` of a list (`{{count(rows)}}`). Neither lambdas nor template
/// inheritance: the tree holds no code, and the templates do not need them.
///
/// Its own renderer, not a library's: the pages of a report of thousands of findings took
/// longer to render than the logs took to analyze, most of it looking values up through dynamic
/// casts and concatenating strings, and each page was held whole before it was written.
struct TemplateLibrary: Sendable {
    private var templates: [String: [TemplateToken]] = [:]

    /// Parses `text` as the template `name`.
    ///
    /// - Throws: ``TemplateSyntaxError`` with the line and column.
    mutating func register(_ text: String, named name: String) throws(TemplateSyntaxError) {
        var parser = TemplateParser(text)
        templates[name] = try parser.parse()
    }

    /// Renders the template `name` over `root`, handing the output to `emit` a chunk at a time;
    /// false when there is no such template.
    func render(_ name: String, _ root: TemplateNode, emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        guard let tokens = templates[name] else { return false }
        try withoutActuallyEscaping(emit) { emit in
            var output = TemplateOutput(emit: emit)
            try render(tokens, Context(stack: [root]), &output)
            try output.flush()
        }
        return true
    }

    /// The template `name` over `root`, as text; nil when there is no such template.
    func render(_ name: String, _ root: TemplateNode) throws -> String? {
        var bytes: [UInt8] = []
        guard try render(name, root, emit: { bytes += $0 }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every name the template `name` and the partials it includes can look up: each part of each
    /// dotted name, in any section. A tree built with only the members of these names renders the
    /// same (``MustacheTree/of(_:escape:keys:)``), since no other member is ever reached.
    func names(readBy name: String) -> Set<String> {
        var names: Set<String> = []
        var partials: Set<String> = [name]
        collectNames(templates[name] ?? [], into: &names, partials: &partials)
        return names
    }

    private func names(in tokens: [TemplateToken]) -> Set<String> {
        var names: Set<String> = []
        var partials: Set<String> = []
        collectNames(tokens, into: &names, partials: &partials)
        return names
    }

    private func collectNames(_ tokens: [TemplateToken], into names: inout Set<String>, partials: inout Set<String>) {
        for token in tokens {
            switch token {
            case .text:
                continue
            case let .variable(name):
                names.formUnion(name.path)
            case let .section(name, _, body):
                names.formUnion(name.path)
                collectNames(body, into: &names, partials: &partials)
            case let .partial(partial, _):
                guard partials.insert(partial).inserted, let included = templates[partial] else { continue }
                collectNames(included, into: &names, partials: &partials)
            }
        }
    }

    private struct Context {
        var stack: [TemplateNode]
        /// Where the innermost list being walked is: what `first()` and the like ask.
        var sequence: (index: Int, count: Int)?
        /// Partials inside partials, up to ``partialDepthLimit``.
        var partials = 0
    }

    /// How deep partials may include partials: a partial that includes itself, always, would
    /// otherwise recurse until the stack overflows.
    static let partialDepthLimit = 64

    private func render(_ tokens: [TemplateToken], _ context: Context, _ output: inout TemplateOutput) throws {
        for token in tokens {
            switch token {
            case let .text(text):
                try output.write(text)
            case let .variable(name):
                switch value(of: name, in: context) {
                case let .text(text, _)?: try output.write(text)
                case let .flag(flag)?: try output.write(flag ? "true" : "false")
                case .map?, .list?, .lazyList?, nil: break
                }
            case let .section(name, inverted, body):
                try section(value(of: name, in: context), inverted: inverted, body, context, &output)
            case let .partial(name, indentation):
                guard let partial = templates[name] else { continue }
                guard context.partials < Self.partialDepthLimit else {
                    throw TemplateError(file: name, message: "partials nest more than \(Self.partialDepthLimit) deep: does a partial include itself?")
                }
                let outer = output.indentation
                if let indentation { output.indentation = outer + indentation }
                try render(partial, Context(stack: context.stack, partials: context.partials + 1), &output)
                output.indentation = outer
            }
        }
    }

    private func section(_ value: TemplateNode?, inverted: Bool, _ body: [TemplateToken], _ context: Context,
                         _ output: inout TemplateOutput) throws {
        func each(_ count: Int, _ element: (Int) -> TemplateNode) throws {
            guard !inverted else {
                if count == 0 { try render(body, context, &output) }
                return
            }
            for index in 0..<count {
                var inner = context
                inner.stack.append(element(index))
                inner.sequence = (index, count)
                try render(body, inner, &output)
            }
        }
        switch value {
        case let .list(elements)?:
            try each(elements.count) { elements[$0] }
        case let .lazyList(nodes)?:
            let keys = inverted ? nil : names(in: body)
            try each(nodes.count) { nodes.node($0, keys) }
        case let .flag(flag)?:
            // A flag keeps the context, and the list being walked with it.
            if flag != inverted { try render(body, context, &output) }
        case let .text(_, isNull)?:
            if isNull == inverted { try render(body, inverted ? context : pushing(value!, on: context), &output) }
        case .map?:
            if !inverted { try render(body, pushing(value!, on: context), &output) }
        case nil:
            if inverted { try render(body, context, &output) }
        }
    }

    /// `context` with `value` innermost, and no list being walked.
    private func pushing(_ value: TemplateNode, on context: Context) -> Context {
        Context(stack: context.stack + [value], partials: context.partials)
    }

    /// What a name means in a context: `.` the innermost value; `a.b` the first value named `a`
    /// from the innermost out, then its `b`; `.a` the innermost value's `a` alone; transforms
    /// applied innermost first.
    private func value(of name: TemplateName, in context: Context) -> TemplateNode? {
        var value: TemplateNode?
        if name.path.isEmpty, !name.current {
            return name.transforms.isEmpty ? context.stack.last : sequenceTransform(name.transforms, context.sequence)
        }
        if name.current {
            value = member(name.path[...], of: context.stack.last)
        } else {
            for node in context.stack.reversed() {
                guard case let .map(members) = node, let found = members[name.path[0]] else { continue }
                value = member(name.path.dropFirst(), of: found)
                break
            }
        }
        for transform in name.transforms.reversed() {
            guard let current = value else { return nil }
            value = Self.transform(transform, current)
        }
        return value
    }

    private func member(_ path: ArraySlice<String>, of node: TemplateNode?) -> TemplateNode? {
        var node = node
        for key in path {
            guard case let .map(members)? = node else { return nil }
            node = members[key]
        }
        return node
    }

    private func sequenceTransform(_ transforms: [String], _ sequence: (index: Int, count: Int)?) -> TemplateNode? {
        guard transforms.count == 1, let sequence else { return nil }
        switch transforms[0] {
        case "first": return .flag(sequence.index == 0)
        case "last": return .flag(sequence.index == sequence.count - 1)
        case "index": return .text(String(sequence.index), isNull: false)
        case "even": return .flag(sequence.index.isMultiple(of: 2))
        case "odd": return .flag(!sequence.index.isMultiple(of: 2))
        default: return nil
        }
    }

    private static func transform(_ name: String, _ node: TemplateNode) -> TemplateNode? {
        let count: Int
        let element: (Int) -> TemplateNode
        switch node {
        case let .list(elements):
            count = elements.count
            element = { elements[$0] }
        case let .lazyList(nodes):
            count = nodes.count
            element = { nodes.node($0, nil) }
        default:
            return nil
        }
        switch name {
        case "first": return count > 0 ? element(0) : nil
        case "last": return count > 0 ? element(count - 1) : nil
        case "count": return .text(String(count), isNull: count == 0)
        case "empty": return .flag(count == 0)
        case "reversed":
            if case let .lazyList(nodes) = node { return .lazyList(nodes.reversed) }
            if case let .list(elements) = node { return .list(elements.reversed()) }
            return nil
        default: return nil
        }
    }
}

/// What a template is made of, parsed.
indirect enum TemplateToken: Sendable {
    case text(String)
    case variable(TemplateName)
    case section(TemplateName, inverted: Bool, [TemplateToken])
    /// A standalone partial has the indentation of its tag, given to each of its lines.
    case partial(String, indentation: String?)
}

/// A name in a tag: `a.b`, `.` or `.a`, and the transforms around it (`count(rows)`, `first()`).
struct TemplateName: Sendable, Equatable {
    /// Empty for `.`, or for a transform of the list being walked (`first()`).
    var path: [String]
    /// Only the innermost value is looked in (`.` and `.a`).
    var current: Bool
    /// Outermost first, as written.
    var transforms: [String]

    init(_ text: Substring) {
        var inner = text
        var transforms: [String] = []
        while let open = inner.firstIndex(of: "("), inner.last == ")" {
            transforms.append(String(inner[..<open]))
            inner = inner[inner.index(after: open)..<inner.index(before: inner.endIndex)]
        }
        self.transforms = transforms
        current = inner.first == "."
        path = inner.split(separator: ".").map(String.init)
    }
}

/// Why a template does not parse, and where.
struct TemplateSyntaxError: Error, Sendable {
    var line: Int
    var column: Int
    var message: String
}

/// Turns a template's text into ``TemplateToken``s, by the Mustache specification's rules for
/// standalone tags: a section, inverted section, closing, comment, partial or delimiter tag alone
/// on its line takes the line with it.
private struct TemplateParser {
    private let text: [UInt8]
    private var open = Array("{{".utf8)
    private var close = Array("}}".utf8)

    init(_ text: String) { self.text = Array(text.utf8) }

    /// A piece of the template: text, or a tag with its sigil and content (and, for a standalone
    /// partial, the blanks before it).
    private enum Piece {
        case text(ArraySlice<UInt8>)
        case tag(sigil: UInt8?, content: String, offset: Int, indentation: String? = nil)
    }

    mutating func parse() throws(TemplateSyntaxError) -> [TemplateToken] {
        var pieces = try lex()
        stripStandaloneLines(&pieces)
        var position = 0
        return try build(pieces, &position, closing: nil, depth: 0)
    }

    private func location(_ offset: Int) -> (line: Int, column: Int) {
        let before = text[..<min(offset, text.count)]
        let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (line, offset - lineStart + 1)
    }

    private func fail(_ offset: Int, _ message: String) -> TemplateSyntaxError {
        let (line, column) = location(offset)
        return TemplateSyntaxError(line: line, column: column, message: message)
    }

    private func starts(_ needle: [UInt8], at offset: Int) -> Bool {
        offset + needle.count <= text.count && text[offset..<(offset + needle.count)].elementsEqual(needle)
    }

    private mutating func lex() throws(TemplateSyntaxError) -> [Piece] {
        var pieces: [Piece] = []
        var start = 0
        var position = 0
        while position < text.count {
            guard starts(open, at: position) else {
                position += 1
                continue
            }
            if position > start { pieces.append(.text(text[start..<position])) }
            let tagStart = position
            var contentStart = position + open.count
            var closing = close
            var sigil: UInt8? = contentStart < text.count ? text[contentStart] : nil
            switch sigil {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: ">"),
                 UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: "$"):
                contentStart += 1
            case UInt8(ascii: "{") where open == Array("{{".utf8):
                contentStart += 1
                closing = Array("}}}".utf8)
            default:
                sigil = nil
            }
            var end = contentStart
            while end < text.count, !starts(closing, at: end) { end += 1 }
            guard end < text.count else { throw fail(tagStart, "a tag is not closed") }
            var content = String(decoding: text[contentStart..<end], as: UTF8.self)
            position = end + closing.count
            start = position
            if sigil == UInt8(ascii: "=") {
                guard content.hasSuffix("=") else { throw fail(tagStart, "a set-delimiter tag must end with =") }
                let delimiters = content.dropLast().split(whereSeparator: \.isWhitespace)
                guard delimiters.count == 2 else { throw fail(tagStart, "a set-delimiter tag takes two delimiters") }
                open = Array(delimiters[0].utf8)
                close = Array(delimiters[1].utf8)
                content = ""
            }
            if sigil == UInt8(ascii: "<") || sigil == UInt8(ascii: "$") {
                throw fail(tagStart, "template inheritance ({{< and {{$) is not supported")
            }
            pieces.append(.tag(sigil: sigil == UInt8(ascii: "{") ? UInt8(ascii: "&") : sigil,
                               content: content.trimmingCharacters(in: .whitespaces), offset: tagStart))
        }
        if start < text.count { pieces.append(.text(text[start...])) }
        return pieces
    }

    private static let standaloneSigils: Set<UInt8> = [
        UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: ">"), UInt8(ascii: "="),
        UInt8(ascii: "%"),
    ]

    /// Removes the line of each tag that stands alone on it: the blanks before it, and its line end.
    /// A standalone partial keeps the blanks as its indentation.
    private func stripStandaloneLines(_ pieces: inout [Piece]) {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var strips: [(index: Int, trailing: Bool)] = []
        var indentations: [Int: String] = [:]
        for index in pieces.indices {
            guard case let .tag(sigil?, _, _, _) = pieces[index], Self.standaloneSigils.contains(sigil) else { continue }
            // Blanks from the line's start (or the template's) up to the tag.
            var indentation = ""
            if index > 0 {
                guard case let .text(before) = pieces[index - 1] else { continue }
                let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 }
                guard lineStart != nil || index == 1 else { continue }
                let blanks = before[(lineStart ?? before.startIndex)...]
                guard blanks.allSatisfy(isBlank) else { continue }
                indentation = String(decoding: blanks, as: UTF8.self)
            }
            // Blanks after it, up to the line's end (or the template's).
            if index + 1 < pieces.count {
                guard case let .text(after) = pieces[index + 1] else { continue }
                let rest = after.drop(while: isBlank)
                guard rest.isEmpty ? index + 2 == pieces.count : (rest.first == 0x0A || rest.starts(with: [0x0D, 0x0A])) else {
                    continue
                }
            }
            if index > 0 { strips.append((index - 1, true)) }
            if index + 1 < pieces.count { strips.append((index + 1, false)) }
            if sigil == UInt8(ascii: ">") { indentations[index] = indentation }
        }
        for (index, trailing) in strips {
            guard case let .text(bytes) = pieces[index] else { continue }
            if trailing {
                let lineStart = bytes.lastIndex(of: 0x0A).map { $0 + 1 } ?? bytes.startIndex
                pieces[index] = .text(bytes[..<lineStart])
            } else {
                let rest = bytes.drop(while: isBlank)
                let lineEnd = rest.firstIndex(of: 0x0A).map { $0 + 1 } ?? rest.endIndex
                pieces[index] = .text(bytes[lineEnd...])
            }
        }
        for (index, indentation) in indentations {
            guard case let .tag(sigil, content, offset, _) = pieces[index] else { continue }
            pieces[index] = .tag(sigil: sigil, content: content, offset: offset, indentation: indentation)
        }
    }

    /// Sections inside sections a template may nest: each is a level of recursion, here and when
    /// the template is rendered.
    static let sectionDepthLimit = 256

    /// The tokens up to the tag that closes `closing` (the end of the template when nil).
    private func build(_ pieces: [Piece], _ position: inout Int, closing: (name: String, offset: Int)?, depth: Int)
        throws(TemplateSyntaxError) -> [TemplateToken]
    {
        var tokens: [TemplateToken] = []
        while position < pieces.count {
            let piece = pieces[position]
            position += 1
            switch piece {
            case let .text(bytes):
                if !bytes.isEmpty { tokens.append(.text(String(decoding: bytes, as: UTF8.self))) }
            case let .tag(sigil, content, offset, indentation):
                switch sigil {
                case UInt8(ascii: "!")?, UInt8(ascii: "=")?, UInt8(ascii: "%")?:
                    continue
                case UInt8(ascii: "#")?, UInt8(ascii: "^")?:
                    guard depth < Self.sectionDepthLimit else {
                        throw fail(offset, "sections nest more than \(Self.sectionDepthLimit) deep")
                    }
                    let body = try build(pieces, &position, closing: (content, offset), depth: depth + 1)
                    tokens.append(.section(TemplateName(content[...]), inverted: sigil == UInt8(ascii: "^"), body))
                case UInt8(ascii: "/")?:
                    guard let closing else { throw fail(offset, "{{/\(content)}} closes no section") }
                    guard content == closing.name else {
                        throw fail(offset, "{{/\(content)}} closes the section {{#\(closing.name)}}")
                    }
                    return tokens
                case UInt8(ascii: ">")?:
                    tokens.append(.partial(content, indentation: indentation))
                default:
                    guard !content.isEmpty else { throw fail(offset, "an empty tag") }
                    tokens.append(.variable(TemplateName(content[...])))
                }
            }
        }
        if let closing { throw fail(closing.offset, "the section {{#\(closing.name)}} is not closed") }
        return tokens
    }
}

/// Rendered output, handed on a chunk at a time; a partial's indentation starts each of its lines.
private struct TemplateOutput {
    let emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    var indentation = ""
    private var buffer: [UInt8] = []
    private var atLineStart = true

    init(emit: @escaping (UnsafeBufferPointer<UInt8>) throws -> Void) {
        self.emit = emit
        buffer.reserveCapacity(Self.chunk)
    }

    private static let chunk = 1 << 16

    mutating func write(_ text: String) throws {
        guard !text.isEmpty else { return }
        if indentation.isEmpty {
            buffer.append(contentsOf: text.utf8)
        } else {
            for byte in text.utf8 {
                if atLineStart { buffer.append(contentsOf: indentation.utf8) }
                buffer.append(byte)
                atLineStart = byte == 0x0A
            }
        }
        if let last = text.utf8.last { atLineStart = last == 0x0A }
        if buffer.count >= Self.chunk { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { try emit($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
