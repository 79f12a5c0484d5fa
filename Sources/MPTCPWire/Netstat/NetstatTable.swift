/// The counters of one `/proc/net/netstat` or `/proc/net/snmp` file, by section.
///
/// Both files are a sequence of line pairs, `Prefix: Name1 Name2 …` followed by
/// `Prefix: v1 v2 …`. A section keeps the kernel's order of names (useful to
/// reproduce what `nstat` prints) but is always looked up by name.
public struct NetstatTable: Sendable, Equatable {
    /// One `Prefix:` line pair.
    public struct Section: Sendable, Equatable {
        /// The prefix without its colon: `MPTcpExt`, `TcpExt`, `Tcp`, …
        public var prefix: String
        /// Counter names and values in the kernel's order. A name whose value
        /// could not be read is absent (see ``NetstatTable/issues``).
        public var counters: [(name: String, value: UInt64)]
        /// Fields with a negative value. Only a few configuration fields are
        /// signed (`Tcp: MaxConn` is -1 when there is no limit); they are kept
        /// apart so that ``counters`` only holds what can be a counter.
        public var signedFields: [(name: String, value: Int64)]

        public init(
            prefix: String, counters: [(name: String, value: UInt64)],
            signedFields: [(name: String, value: Int64)] = []
        ) {
            self.prefix = prefix
            self.counters = counters
            self.signedFields = signedFields
        }

        /// The value of `name`, or nil when this kernel does not have it.
        public subscript(name: String) -> UInt64? {
            for counter in counters where counter.name == name { return counter.value }
            return nil
        }

        /// The names of this section, in the kernel's order.
        public var names: [String] { counters.map(\.name) }

        public static func == (lhs: Section, rhs: Section) -> Bool {
            lhs.prefix == rhs.prefix
                && lhs.counters.count == rhs.counters.count
                && zip(lhs.counters, rhs.counters).allSatisfy { $0.name == $1.name && $0.value == $1.value }
                && lhs.signedFields.count == rhs.signedFields.count
                && zip(lhs.signedFields, rhs.signedFields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        }
    }

    /// Sections in file order.
    public var sections: [Section]
    /// What could not be read. Parsing never stops at the first problem: a bad
    /// section or value is reported here and the rest of the file is kept.
    public var issues: [NetstatParseIssue]

    public init(sections: [Section] = [], issues: [NetstatParseIssue] = []) {
        self.sections = sections
        self.issues = issues
    }

    /// The section with `prefix`, or nil when the file has none.
    public func section(_ prefix: String) -> Section? {
        sections.first { $0.prefix == prefix }
    }

    /// `table["MPTcpExt", "MPCapableSYNTX"]`.
    public subscript(prefix: String, name: String) -> UInt64? {
        section(prefix)?[name]
    }

    /// The tables of two files read together (`netstat` then `snmp`).
    public func merging(_ other: NetstatTable) -> NetstatTable {
        NetstatTable(sections: sections + other.sections, issues: issues + other.issues)
    }
}

/// Something in a netstat-format file that could not be turned into values.
public struct NetstatParseIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A header line with no value line after it (or a value line first).
        case unpairedLine
        /// The value line does not start with the header line's prefix.
        case prefixMismatch(header: String, values: String)
        /// The header has `names` fields, the value line `values`.
        case fieldCountMismatch(names: Int, values: Int)
        /// A field is not an unsigned decimal number that fits in 64 bits.
        case invalidValue(name: String, text: String)
        /// The same prefix appears twice; the first pair is kept.
        case duplicateSection
        /// The same counter name appears twice in one section; the first is kept.
        case duplicateName(String)
        /// A line that is not `Prefix: fields…`.
        case malformedLine
    }

    /// 1-based line number of the header line of the pair (or the offending line).
    public var line: Int
    /// The section prefix concerned, when known.
    public var prefix: String?
    public var kind: Kind

    public init(line: Int, prefix: String?, kind: Kind) {
        self.line = line
        self.prefix = prefix
        self.kind = kind
    }

    public var description: String {
        let place = "line \(line)" + (prefix.map { " (\($0))" } ?? "")
        switch kind {
        case .unpairedLine: return "\(place): header line without a value line"
        case let .prefixMismatch(header, values):
            return "\(place): value line prefix \(values) does not match header prefix \(header)"
        case let .fieldCountMismatch(names, values):
            return "\(place): \(names) names but \(values) values; section skipped"
        case let .invalidValue(name, text):
            return "\(place): value of \(name) is not a 64-bit unsigned number: \(text.prefix(40))"
        case .duplicateSection: return "\(place): section appears twice; first kept"
        case let .duplicateName(name): return "\(place): counter \(name) appears twice; first kept"
        case .malformedLine: return "\(place): not a 'Prefix: fields' line"
        }
    }
}
