/// Reads CSV the way RFC 4180 defines it (CRLF records, quoted fields with doubled quotes), strictly:
/// anything else is a failure, so a test that reads a file back checks its syntax too.
enum CSVRecords {
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "CSV syntax error at character \(offset)" }
    }

    static func parse(_ text: String) throws -> [[String]] {
        let characters = Array(text.unicodeScalars)
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var index = 0
        while index < characters.count {
            if characters[index] == "\"" {
                index += 1
                while true {
                    guard index < characters.count else { throw SyntaxError(offset: index) }
                    if characters[index] == "\"" {
                        if index + 1 < characters.count, characters[index + 1] == "\"" {
                            field.unicodeScalars.append("\"")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    field.unicodeScalars.append(characters[index])
                    index += 1
                }
                // A closing quote ends the field.
                guard index < characters.count, characters[index] == "," || characters[index] == "\r" else {
                    throw SyntaxError(offset: index)
                }
            }
            switch characters[index] {
            case ",":
                record.append(field)
                field = ""
                index += 1
            case "\r":
                guard index + 1 < characters.count, characters[index + 1] == "\n" else { throw SyntaxError(offset: index) }
                record.append(field)
                records.append(record)
                record = []
                field = ""
                index += 2
            case "\"", "\n":
                throw SyntaxError(offset: index)
            default:
                field.unicodeScalars.append(characters[index])
                index += 1
            }
        }
        guard field.isEmpty, record.isEmpty else { throw SyntaxError(offset: index) }
        return records
    }
}
