import MPTCPKernel
import MPTCPModel
import MPTCPWire

/// The probe configuration file (`--probe.config.file`), in the manner of
/// blackbox exporter's: named modules saying how to probe, and the targets
/// `/probe` may reach. Nothing is probed that no `allowed_targets` entry
/// names.
///
/// ```yaml
/// modules:
///   mptcp:                    # the module /probe uses when none is named
///     timeout: 5s
///     subflow_wait: 2s
///     min_subflows: 2
/// allowed_targets:
///   - mptcp.example.org:443
///   - 192.0.2.0/24:*
/// ```
public struct ProbeConfig: Sendable {
    public var modules: [String: ProbeModule]
    public var allowList: ProbeAllowList
    /// The module used when a request names none.
    public static let defaultModule = "mptcp"

    public init(modules: [String: ProbeModule] = [defaultModule: ProbeModule()], allowList: ProbeAllowList = ProbeAllowList()) {
        self.modules = modules
        self.allowList = allowList
    }

    static let moduleKeys: Set<String> = ["timeout", "subflow_wait", "source_address", "source_interface", "payload",
                                          "expect_answer", "min_subflows", "allow_fallback", "ip_protocol"]

    /// Reads and checks the file; every problem is an error naming it.
    public static func load(path: String) throws -> ProbeConfig {
        let text: String
        do { text = String(decoding: try InputFile.read(path, limit: 1 << 20), as: UTF8.self) } catch {
            throw ConfigYAML.Invalid(error.description)
        }
        do { return try parse(text) } catch { throw ConfigYAML.Invalid("\(path): \(error)") }
    }

    /// Parses the file's text; errors name the key at fault.
    public static func parse(_ text: String) throws -> ProbeConfig {
        let root: ConfigYAML
        do { root = try ConfigYAML.parse(text) } catch {
            throw ConfigYAML.Invalid("not YAML (or YAML this exporter does not read): \(error)")
        }
        guard !root.isNull else { throw ConfigYAML.Invalid("the file is empty: it needs modules and allowed_targets") }
        let top = try ConfigYAML.mapping(root, "the file")
        try ConfigYAML.known(top, ["modules", "allowed_targets"], "the file")
        var config = ProbeConfig(modules: [:])
        if let node = top["modules"], !node.isNull {
            for (name, body) in try orderedMapping(node, "modules") {
                config.modules[name] = try module(body, "modules.\(name)")
            }
        }
        if config.modules.isEmpty { config.modules[defaultModule] = ProbeModule() }
        for entry in try ConfigYAML.strings(top["allowed_targets"] ?? .null, "allowed_targets") {
            do { config.allowList.entries.append(try ProbeAllowList.entry(entry)) } catch {
                throw ConfigYAML.Invalid("\(error)")
            }
        }
        return config
    }

    static func orderedMapping(_ node: ConfigYAML, _ what: String) throws -> [(String, ConfigYAML)] {
        _ = try ConfigYAML.mapping(node, what)                // duplicates are errors
        guard case let .mapping(entries) = node else { return [] }
        return entries
    }

    static func module(_ node: ConfigYAML, _ what: String) throws -> ProbeModule {
        var module = ProbeModule()
        if node.isNull { return module }
        let map = try ConfigYAML.mapping(node, what)
        try ConfigYAML.known(map, moduleKeys, what)
        if let text = try ConfigYAML.string(map["timeout"], "\(what).timeout") { module.timeout = try seconds(text, "\(what).timeout") }
        if let text = try ConfigYAML.string(map["subflow_wait"], "\(what).subflow_wait") {
            module.subflowWait = try seconds(text, "\(what).subflow_wait")
        }
        if let text = try ConfigYAML.string(map["source_address"], "\(what).source_address") {
            guard let address = IPAddress(parsing: text) else { throw ConfigYAML.Invalid("\(what).source_address \(text) is not an IP address") }
            module.sourceAddress = address
        }
        if let text = try ConfigYAML.string(map["source_interface"], "\(what).source_interface") {
            guard !text.isEmpty, text.utf8.count < 16, !text.contains("/") else { throw ConfigYAML.Invalid("\(what).source_interface \(text) is not an interface name") }
            module.sourceInterface = text
        }
        if let text = try ConfigYAML.string(map["payload"], "\(what).payload") { module.payload = Array(text.utf8) }
        if let text = try ConfigYAML.string(map["expect_answer"], "\(what).expect_answer") { module.expectAnswer = try bool(text, "\(what).expect_answer") }
        if let text = try ConfigYAML.string(map["allow_fallback"], "\(what).allow_fallback") { module.allowFallback = try bool(text, "\(what).allow_fallback") }
        if let text = try ConfigYAML.string(map["min_subflows"], "\(what).min_subflows") {
            guard let number = Int(text), number >= 0, number <= 64 else { throw ConfigYAML.Invalid("\(what).min_subflows \(text) is not a number from 0 to 64") }
            module.minSubflows = number
        }
        if let text = try ConfigYAML.string(map["ip_protocol"], "\(what).ip_protocol") {
            guard let value = ProbeModule.IPProtocol(rawValue: text) else {
                throw ConfigYAML.Invalid("\(what).ip_protocol \(text) is not one of \(ProbeModule.IPProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            module.ipProtocol = value
        }
        if module.expectAnswer, module.payload == nil { throw ConfigYAML.Invalid("\(what).expect_answer needs a payload") }
        return module
    }

    /// `5s`, `500ms`, `1.5s`, `1m`: seconds, from 0 to an hour.
    public static func seconds(_ text: String, _ what: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            if let value = Double(number), value.isFinite, value >= 0, value * scale <= 3600 { return value * scale }
            break
        }
        throw ConfigYAML.Invalid("\(what) \(text) is not a duration like 500ms, 5s or 1m (at most an hour)")
    }

    static func bool(_ text: String, _ what: String) throws -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ConfigYAML.Invalid("\(what) \(text) is not true or false")
        }
    }
}
