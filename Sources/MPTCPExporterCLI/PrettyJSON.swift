/// JSON text of a tree of dictionaries, arrays, strings, numbers and
/// booleans, laid out as Foundation's `JSONSerialization` does with
/// `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes` (two-space indent,
/// `"key" : value`, empty containers on two lines). Written here so that the
/// exporter does not link Foundation (and ICU) for one dashboard file.
enum PrettyJSON {
    static func render(_ value: Any) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: Any, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        let inner = String(repeating: " ", count: indent + 2)
        switch value {
        case let dictionary as [String: Any]:
            out += "{\n"
            let keys = dictionary.keys.sorted()
            for (index, key) in keys.enumerated() {
                out += inner
                writeString(key, into: &out)
                out += " : "
                write(dictionary[key] as Any, indent: indent + 2, into: &out)
                if index < keys.count - 1 { out += "," }
                out += "\n"
            }
            out += pad + "}"
            if keys.isEmpty { out = String(out.dropLast(pad.count + 1)) + "\n" + pad + "}" }
        case let array as [Any]:
            out += "[\n"
            for (index, element) in array.enumerated() {
                out += inner
                write(element, indent: indent + 2, into: &out)
                if index < array.count - 1 { out += "," }
                out += "\n"
            }
            out += pad + "]"
            if array.isEmpty { out = String(out.dropLast(pad.count + 1)) + "\n" + pad + "]" }
        case let string as String:
            writeString(string, into: &out)
        case let flag as Bool:
            out += flag ? "true" : "false"
        case let integer as Int:
            out += String(integer)
        case let number as Double:
            if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
                out += String(Int64(number))
            } else {
                out += number.isFinite ? "\(number)" : "null"
            }
        default:
            out += "null"
        }
    }

    /// `string` as a JSON string literal, quotes included.
    static func quoted(_ string: String) -> String {
        var out = ""
        writeString(string, into: &out)
        return out
    }

    private static func writeString(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
