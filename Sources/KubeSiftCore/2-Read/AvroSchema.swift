/// The writer's schema of an Avro object container file, parsed from its `avro.schema` header entry:
/// enough of Avro 1.11 to step over any value and find the field that carries the log record.
indirect enum AvroSchema: Sendable, Equatable {
    case null, boolean, int, long, float, double, bytes, string
    case record(name: String, fields: [Field])
    case enumeration
    case array(AvroSchema)
    case map(AvroSchema)
    case union([AvroSchema])
    case fixed(size: Int)
    /// A named type used before its definition is complete (a recursive record).
    case reference(String)

    struct Field: Sendable, Equatable {
        var name: String
        var type: AvroSchema
    }

    struct Invalid: Error, Equatable {
        var message: String
    }

    /// Parses a schema; named types are resolved by full name and by short name. Returns the named
    /// types too, to resolve the references a recursive record holds.
    static func parse(_ json: JSONValue) throws(Invalid) -> (root: AvroSchema, named: [String: AvroSchema]) {
        var names: [String: AvroSchema] = [:]
        let root = try parse(json, namespace: nil, names: &names, depth: 0)
        return (root, names)
    }

    /// Schemas nest; a hostile header must not recurse without bound.
    private static let maximumDepth = 64

    private static func parse(_ json: JSONValue, namespace: String?, names: inout [String: AvroSchema], depth: Int)
        throws(Invalid) -> AvroSchema
    {
        guard depth < maximumDepth else { throw Invalid(message: "schema nested more than \(maximumDepth) levels") }
        switch json {
        case let .string(name):
            return try named(name, namespace: namespace, names: names)
        case let .array(branches):
            var parsed: [AvroSchema] = []
            for branch in branches { parsed.append(try parse(branch, namespace: namespace, names: &names, depth: depth + 1)) }
            return .union(parsed)
        case .object:
            guard let type = json["type"] else { throw Invalid(message: "a schema object without \"type\"") }
            guard case let .string(typeName) = type else {
                return try parse(type, namespace: namespace, names: &names, depth: depth + 1)
            }
            let space = json["namespace"]?.stringValue ?? namespace
            func fullName() throws(Invalid) -> String {
                guard let name = json["name"]?.stringValue else { throw Invalid(message: "a \(typeName) without a name") }
                return name.contains(".") || space == nil ? name : "\(space!).\(name)"
            }
            switch typeName {
            case "record", "error":
                let name = try fullName()
                names[name] = .reference(name)
                let innerSpace = name.split(separator: ".").dropLast().joined(separator: ".")
                var fields: [Field] = []
                for field in json["fields"]?.arrayValue ?? [] {
                    guard let fieldName = field["name"]?.stringValue, let fieldType = field["type"] else {
                        throw Invalid(message: "a field of \(name) without a name or type")
                    }
                    fields.append(Field(name: fieldName, type: try parse(
                        fieldType, namespace: innerSpace.isEmpty ? nil : innerSpace, names: &names, depth: depth + 1)))
                }
                let record = AvroSchema.record(name: name, fields: fields)
                register(record, as: name, in: &names)
                return record
            case "enum":
                let schema = AvroSchema.enumeration
                register(schema, as: try fullName(), in: &names)
                return schema
            case "fixed":
                guard case let .number(text) = json["size"], let size = Int(text), size >= 0 else {
                    throw Invalid(message: "a fixed type without a valid size")
                }
                let schema = AvroSchema.fixed(size: size)
                register(schema, as: try fullName(), in: &names)
                return schema
            case "array":
                guard let items = json["items"] else { throw Invalid(message: "an array without \"items\"") }
                return .array(try parse(items, namespace: space, names: &names, depth: depth + 1))
            case "map":
                guard let values = json["values"] else { throw Invalid(message: "a map without \"values\"") }
                return .map(try parse(values, namespace: space, names: &names, depth: depth + 1))
            default:
                return try named(typeName, namespace: space, names: names)
            }
        default:
            throw Invalid(message: "a schema that is neither a name, an object nor a union")
        }
    }

    private static func register(_ schema: AvroSchema, as name: String, in names: inout [String: AvroSchema]) {
        names[name] = schema
        if let short = name.split(separator: ".").last, names[String(short)] == nil { names[String(short)] = schema }
    }

    private static func named(_ name: String, namespace: String?, names: [String: AvroSchema]) throws(Invalid)
        -> AvroSchema
    {
        switch name {
        case "null": return .null
        case "boolean": return .boolean
        case "int": return .int
        case "long": return .long
        case "float": return .float
        case "double": return .double
        case "bytes": return .bytes
        case "string": return .string
        default:
            if let namespace, let schema = names["\(namespace).\(name)"] { return schema }
            if let schema = names[name] { return schema }
            throw Invalid(message: "unknown type \"\(name)\"")
        }
    }

    /// The position of the top-level record's field that carries the log record: Event Hubs Capture
    /// calls it `Body` (bytes, or null); `bytes` or `string`, possibly in a union with null.
    var bodyField: Int? {
        guard case let .record(_, fields) = self else { return nil }
        return fields.firstIndex { field in
            guard field.name.lowercased() == "body" else { return false }
            switch field.type {
            case .bytes, .string: return true
            case let .union(branches): return branches.contains { $0 == .bytes || $0 == .string }
            default: return false
            }
        }
    }
}
