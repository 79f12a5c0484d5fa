/// The YAML that web configuration files are written in: block mappings and
/// sequences by indentation, one-line flow sequences and mappings
/// (`[a, b]`, `{k: v}`), plain, single- and double-quoted scalars, comments,
/// and a leading `---`. Anything else YAML allows (anchors, aliases, tags,
/// block scalars `|` and `>`, several documents, tabs in indentation) is an
/// error naming its line, never a guess: this parses a security
/// configuration. (A parser of our own keeps Foundation, which every YAML
/// library for Swift on Linux needs, and its ICU data out of the exporter.)
public indirect enum ConfigYAML: Sendable, Equatable {
    case null
    case scalar(String)
    case sequence([ConfigYAML])
    /// Keys in file order.
    case mapping([(String, ConfigYAML)])

    public struct SyntaxError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func == (a: ConfigYAML, b: ConfigYAML) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.scalar(x), .scalar(y)): return x == y
        case let (.sequence(x), .sequence(y)): return x == y
        case let (.mapping(x), .mapping(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    // MARK: Parsing

    private struct Line {
        var number: Int
        var indent: Int
        var text: Substring
    }

    public static func parse(_ text: String) throws(SyntaxError) -> ConfigYAML {
        var lines: [Line] = []
        var number = 0
        // "\r\n" is one Character in Swift: split on both.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let body = try stripComment(line, number)
            if body.allSatisfy({ $0 == " " }) { continue }
            let indent = body.prefix { $0 == " " }.count
            if body.dropFirst(indent).first == "\t" || body.prefix(indent + 1).contains("\t") {
                throw SyntaxError(line: number, message: "tab in indentation")
            }
            let content = body.dropFirst(indent)
            if indent == 0, content == "---" {
                guard lines.isEmpty else { throw SyntaxError(line: number, message: "a second document is not supported") }
                continue
            }
            if indent == 0, content == "..." { break }
            lines.append(Line(number: number, indent: indent, text: content))
        }
        guard !lines.isEmpty else { return .null }
        var index = 0
        let root = try block(&lines, &index, indent: lines[0].indent)
        if index < lines.count {
            throw SyntaxError(line: lines[index].number, message: "unexpected indentation")
        }
        return root
    }

    /// Removes a comment (`#` at the start or after a space, outside quotes) and trailing spaces.
    private static func stripComment(_ line: Substring, _ number: Int) throws(SyntaxError) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var end = line.endIndex
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open {
                    if open == "'", line.index(after: index) < line.endIndex, line[line.index(after: index)] == "'" {
                        index = line.index(after: index)      // '' inside single quotes
                    } else {
                        quote = nil
                    }
                } else if open == "\"", character == "\\" {
                    index = line.index(after: index)
                    if index == line.endIndex { break }
                }
            } else if character == "#", previous == " " || previous == "\t" {
                end = index
                break
            } else if (character == "'" || character == "\""), previous == " " || previous == "[" || previous == "," || previous == "{" || index == line.startIndex || previous == ":" || previous == "-" {
                quote = character
            }
            previous = character
            index = line.index(after: index)
        }
        var result = line[line.startIndex..<end]
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }

    private static func block(_ lines: inout [Line], _ index: inout Int, indent: Int) throws(SyntaxError) -> ConfigYAML {
        let first = lines[index]
        if isSequenceItem(first.text) { return try sequence(&lines, &index, indent: indent) }
        return try mapping(&lines, &index, indent: indent)
    }

    private static func isSequenceItem(_ text: Substring) -> Bool { text == "-" || text.hasPrefix("- ") }

    private static func sequence(_ lines: inout [Line], _ index: inout Int, indent: Int) throws(SyntaxError) -> ConfigYAML {
        var items: [ConfigYAML] = []
        while index < lines.count, lines[index].indent == indent, isSequenceItem(lines[index].text) {
            let line = lines[index]
            let rest = line.text.dropFirst(1).drop { $0 == " " }
            if rest.isEmpty {
                index += 1
                if index < lines.count, lines[index].indent > indent {
                    items.append(try block(&lines, &index, indent: lines[index].indent))
                } else {
                    items.append(.null)
                }
            } else if splitKey(rest) != nil {
                // "- key: value": a mapping whose first key sits after the dash.
                let column = indent + (line.text.count - rest.count)
                lines[index] = Line(number: line.number, indent: column, text: rest)
                items.append(try mapping(&lines, &index, indent: column))
            } else {
                items.append(try inline(rest, line.number))
                index += 1
            }
        }
        return .sequence(items)
    }

    private static func mapping(_ lines: inout [Line], _ index: inout Int, indent: Int) throws(SyntaxError) -> ConfigYAML {
        var entries: [(String, ConfigYAML)] = []
        while index < lines.count, lines[index].indent == indent, !isSequenceItem(lines[index].text) {
            let line = lines[index]
            guard let (keyText, rest) = splitKey(line.text) else {
                if entries.isEmpty { return try single(line, &index) }
                throw SyntaxError(line: line.number, message: "expected `key: value`")
            }
            let key = try scalarText(keyText, line.number)
            guard !entries.contains(where: { $0.0 == key }) else {
                throw SyntaxError(line: line.number, message: "key \(key) appears twice")
            }
            index += 1
            if rest.isEmpty {
                if index < lines.count, lines[index].indent > indent
                    || (lines[index].indent == indent && isSequenceItem(lines[index].text)) {
                    entries.append((key, try block(&lines, &index, indent: lines[index].indent)))
                } else {
                    entries.append((key, .null))
                }
            } else {
                entries.append((key, try inline(rest, line.number)))
            }
        }
        if index < lines.count, lines[index].indent > indent {
            throw SyntaxError(line: lines[index].number, message: "unexpected indentation")
        }
        return .mapping(entries)
    }

    /// A document that is one scalar or flow value.
    private static func single(_ line: Line, _ index: inout Int) throws(SyntaxError) -> ConfigYAML {
        index += 1
        return try inline(line.text, line.number)
    }

    /// `key: rest` (or `key:`), the colon outside quotes and followed by a space or the end.
    private static func splitKey(_ text: Substring) -> (Substring, Substring)? {
        if let first = text.first, first == "[" || first == "{" { return nil }
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
                if open == "\"", character == "\\" { index = text.index(after: index) }
            } else if (character == "'" || character == "\""), index == text.startIndex {
                quote = character
            } else if character == ":" {
                let next = text.index(after: index)
                if next == text.endIndex || text[next] == " " {
                    let key = text[text.startIndex..<index]
                    var rest = text[next...]
                    while rest.first == " " { rest = rest.dropFirst() }
                    return (key, rest)
                }
            }
            if index < text.endIndex { index = text.index(after: index) }
        }
        return nil
    }

    /// A value on one line: flow sequence or mapping, quoted or plain scalar.
    private static func inline(_ text: Substring, _ number: Int) throws(SyntaxError) -> ConfigYAML {
        guard let first = text.first else { return .null }
        switch first {
        case "&", "*", "!":
            throw SyntaxError(line: number, message: "anchors, aliases and tags are not supported")
        case "|", ">":
            throw SyntaxError(line: number, message: "block scalars (| and >) are not supported; write the value on one line")
        case "[":
            guard text.last == "]" else { throw SyntaxError(line: number, message: "a flow sequence must end on its line") }
            return .sequence(try flowItems(text.dropFirst().dropLast(), number).map { item throws(SyntaxError) in
                try inline(item, number)
            })
        case "{":
            guard text.last == "}" else { throw SyntaxError(line: number, message: "a flow mapping must end on its line") }
            var entries: [(String, ConfigYAML)] = []
            for item in try flowItems(text.dropFirst().dropLast(), number) {
                guard let (key, value) = splitKey(item) else { throw SyntaxError(line: number, message: "expected `key: value` in {…}") }
                let name = try scalarText(key, number)
                guard !entries.contains(where: { $0.0 == name }) else { throw SyntaxError(line: number, message: "key \(name) appears twice") }
                entries.append((name, try inline(value, number)))
            }
            return .mapping(entries)
        default:
            if first != "'", first != "\"", splitKey(text) != nil {
                throw SyntaxError(line: number, message: "a mapping cannot start on the line of its key")
            }
            let value = try scalarText(text, number)
            if first != "'", first != "\"", ["~", "null", "Null", "NULL"].contains(value) { return .null }
            return .scalar(value)
        }
    }

    /// The comma-separated items of a one-line flow collection (no nesting).
    private static func flowItems(_ text: Substring, _ number: Int) throws(SyntaxError) -> [Substring] {
        var items: [Substring] = []
        var quote: Character?
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
                if open == "\"", character == "\\" { index = text.index(after: index); if index == text.endIndex { break } }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "[" || character == "]" || character == "{" || character == "}" {
                throw SyntaxError(line: number, message: "nested flow collections are not supported")
            } else if character == "," {
                items.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        items.append(text[start...])
        let trimmed = items.map { $0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed() }.map { Substring(String($0)) }
        if trimmed.count == 1, trimmed[0].isEmpty { return [] }
        if trimmed.last?.isEmpty == true { return Array(trimmed.dropLast()) }   // trailing comma
        guard !trimmed.contains(where: \.isEmpty) else { throw SyntaxError(line: number, message: "empty item in a flow collection") }
        return trimmed
    }

    /// The text of a plain, single- or double-quoted scalar.
    private static func scalarText(_ text: Substring, _ number: Int) throws(SyntaxError) -> String {
        guard let first = text.first else { return "" }
        if first == "'" {
            guard text.count >= 2, text.last == "'" else { throw SyntaxError(line: number, message: "unterminated single-quoted string") }
            let inner = text.dropFirst().dropLast()
            var result = ""
            var index = inner.startIndex
            while index < inner.endIndex {
                let character = inner[index]
                if character == "'" {
                    let next = inner.index(after: index)
                    guard next < inner.endIndex, inner[next] == "'" else { throw SyntaxError(line: number, message: "stray ' in a single-quoted string") }
                    index = next
                }
                result.append(character)
                index = inner.index(after: index)
            }
            return result
        }
        if first == "\"" {
            guard text.count >= 2, text.last == "\"" else { throw SyntaxError(line: number, message: "unterminated double-quoted string") }
            let inner = Array(text.dropFirst().dropLast().unicodeScalars)
            var result = String.UnicodeScalarView()
            var index = 0
            while index < inner.count {
                let scalar = inner[index]
                if scalar == "\"" { throw SyntaxError(line: number, message: "stray \" in a double-quoted string") }
                guard scalar == "\\" else { result.append(scalar); index += 1; continue }
                guard index + 1 < inner.count else { throw SyntaxError(line: number, message: "\\ at the end of a string") }
                let escape = inner[index + 1]
                index += 2
                switch escape {
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "/": result.append("/")
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                case "u", "x":
                    let digits = escape == "u" ? 4 : 2
                    guard index + digits <= inner.count,
                          let value = UInt32(String(String.UnicodeScalarView(inner[index..<(index + digits)])), radix: 16),
                          let decoded = Unicode.Scalar(value) else {
                        throw SyntaxError(line: number, message: "bad \\\(escape) escape")
                    }
                    result.append(decoded)
                    index += digits
                default:
                    throw SyntaxError(line: number, message: "unknown escape \\\(escape)")
                }
            }
            return String(result)
        }
        if first == "&" || first == "*" || first == "!" {
            throw SyntaxError(line: number, message: "anchors, aliases and tags are not supported")
        }
        return String(text)
    }
}

/// Reading a parsed configuration file, each error naming the key at fault.
extension ConfigYAML {
    /// A configuration file that is YAML but not what it should be.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    static func mapping(_ node: ConfigYAML, _ what: String) throws -> [String: ConfigYAML] {
        guard case let .mapping(entries) = node else { throw Invalid("\(what) must be a mapping") }
        var result: [String: ConfigYAML] = [:]
        for (name, value) in entries {
            guard result[name] == nil else { throw Invalid("\(what) has \(name) twice") }
            result[name] = value
        }
        return result
    }

    static func pairs(_ node: ConfigYAML, _ what: String) throws -> [(String, String)] {
        guard case let .mapping(entries) = node else { throw Invalid("\(what) must be a mapping") }
        return try entries.map { name, value in
            guard case let .scalar(text) = value else { throw Invalid("\(what) must map strings to strings") }
            return (name, text)
        }
    }

    static func known(_ map: [String: ConfigYAML], _ keys: Set<String>, _ what: String, unsupported: Set<String> = []) throws {
        for key in map.keys.sorted() where !keys.contains(key) {
            if unsupported.contains(key) {
                throw Invalid("\(what).\(key) is not supported by mptcp-exporter")
            }
            throw Invalid("\(what) has an unknown key \(key)")
        }
    }

    static func string(_ node: ConfigYAML?, _ what: String) throws -> String? {
        guard let node, !node.isNull else { return nil }
        guard case let .scalar(text) = node else { throw Invalid("\(what) must be a string") }
        return text
    }

    static func strings(_ node: ConfigYAML, _ what: String) throws -> [String] {
        if node.isNull { return [] }
        guard case let .sequence(items) = node else { throw Invalid("\(what) must be a list") }
        return try items.map {
            guard case let .scalar(text) = $0 else { throw Invalid("\(what) must be a list of strings") }
            return text
        }
    }
}
