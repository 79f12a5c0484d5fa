import MPTCPWire
/// The support snapshot: one tar archive with everything a report needs, in
/// the kernel's own bytes, so `report --from` reproduces the report offline.
///
/// Contents: `meta` (key=value lines), `sample-1/netstat`, `sample-1/snmp`,
/// `sample-2/…`, `sockdiag/{mptcp,tcp}-{inet,inet6}.bin`, `genl/get-addr.bin`,
/// `genl/get-limits.bin`, `genl/events.bin` (datagram files: a little-endian
/// u32 length, then the datagram, repeated), `sysctl/<name>`, `interfaces`
/// `routes` and `rp_filter` (lines of `|`-separated fields), `errors` (one per line),
/// `ledger/closed.json` (the connections the subflow ledger saw end during
/// the interval, as this tool decoded them: destroy notifications carry no
/// time, so their raw bytes could not give durations back).
public enum SnapshotArchive {
    public static let format = "mptcp-exporter-snapshot/v1"
    /// Archives larger than this are refused by `report --from` rather than read into memory.
    public static let maximumSize = 512 << 20

    public enum DecodeError: Error, CustomStringConvertible {
        case tar(Tar.ReadError)
        case missing(String)
        case notASnapshot
        public var description: String {
            switch self {
            case let .tar(error): return "\(error)"
            case let .missing(name): return "snapshot archive has no \(name)"
            case .notASnapshot: return "not an mptcp-exporter snapshot (no meta with format=\(format))"
            }
        }
    }

    public static func encode(_ snapshot: HostSnapshot) -> [UInt8] {
        var entries: [Tar.Entry] = []
        func add(_ name: String, _ text: String) { entries.append(.init(name: name, contents: Array(text.utf8))) }
        var meta = ["format=\(format)", "hostname=\(snapshot.hostname)", "kernel=\(snapshot.kernel)",
                    "time-1=\(snapshot.first.time)", "time-2=\(snapshot.second.time)"]
        if let reason = snapshot.eventsUnavailableReason { meta.append("events-unavailable=\(reason.split(separator: "\n").joined(separator: " "))") }
        if let reason = snapshot.ledgerUnavailableReason { meta.append("ledger-unavailable=\(reason.split(separator: "\n").joined(separator: " "))") }
        add("meta", meta.joined(separator: "\n") + "\n")
        entries.append(.init(name: "sample-1/netstat", contents: snapshot.first.netstat))
        entries.append(.init(name: "sample-1/snmp", contents: snapshot.first.snmp))
        entries.append(.init(name: "sample-2/netstat", contents: snapshot.second.netstat))
        entries.append(.init(name: "sample-2/snmp", contents: snapshot.second.snmp))
        for (name, datagrams) in snapshot.sockDiag.sorted(by: { $0.key < $1.key }) {
            entries.append(.init(name: "sockdiag/\(name).bin", contents: encodeDatagrams(datagrams)))
        }
        if let raw = snapshot.endpointsRaw { entries.append(.init(name: "genl/get-addr.bin", contents: encodeDatagrams(raw))) }
        if let raw = snapshot.limitsRaw { entries.append(.init(name: "genl/get-limits.bin", contents: encodeDatagrams(raw))) }
        if let raw = snapshot.eventsRaw { entries.append(.init(name: "genl/events.bin", contents: encodeDatagrams(raw))) }
        if let closed = snapshot.closedConnections { entries.append(.init(name: "ledger/closed.json", contents: LiveSnapshotJSON.encodeAny(closed))) }
        for (name, text) in snapshot.sysctlFiles.sorted(by: { $0.key < $1.key }) { add("sysctl/\(name)", text) }
        add("interfaces", snapshot.interfaces.entries.map { "\($0.name)|\($0.index)|\($0.address)|\($0.prefixLength)" }.joined(separator: "\n")
            + "\n" + snapshot.interfaces.namesByIndex.sorted { $0.key < $1.key }.map { "\($0.value)|\($0.key)||" }.joined(separator: "\n"))
        add("routes", snapshot.routeChecks.map {
            "\($0.endpointID)|\($0.source)|\($0.destination)|\($0.interface ?? "")|\($0.error ?? "")|\($0.boundDevice ?? "")|\($0.assumedOnLink ? "onlink" : "")"
        }.joined(separator: "\n"))
        add("rp_filter", snapshot.rpFilter.sorted { $0.key < $1.key }.map { "\($0.key)|\($0.value)" }.joined(separator: "\n"))
        add("errors", snapshot.collectionErrors.joined(separator: "\n"))
        // Entries are dated with the second sample's time, as tar -tv shows.
        let time = snapshot.second.time
        return Tar.write(entries, modificationTime: time.isFinite && time > 0 && time < 8_589_934_591 ? Int(time) : 0)
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> HostSnapshot {
        let entries: [Tar.Entry]
        do { entries = try Tar.read(bytes) } catch { throw .tar(error) }
        var files: [String: [UInt8]] = [:]
        for entry in entries { files[entry.name] = entry.contents }
        func text(_ name: String) -> String? { files[name].map { String(decoding: $0, as: UTF8.self) } }
        func lines(_ name: String) -> [[String]] {
            (text(name) ?? "").split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }
        var meta: [String: String] = [:]
        for line in (text("meta") ?? "").split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            meta[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard meta["format"] == format else { throw .notASnapshot }
        func required(_ name: String) throws(DecodeError) -> [UInt8] {
            guard let contents = files[name] else { throw .missing(name) }
            return contents
        }
        var sockDiag: [String: [[UInt8]]] = [:]
        for (name, contents) in files where name.hasPrefix("sockdiag/") && name.hasSuffix(".bin") {
            sockDiag[String(name.dropFirst("sockdiag/".count).dropLast(".bin".count))] = decodeDatagrams(contents)
        }
        var sysctls: [String: String] = [:]
        for (name, contents) in files where name.hasPrefix("sysctl/") {
            sysctls[String(name.dropFirst("sysctl/".count))] = String(decoding: contents, as: UTF8.self)
        }
        var interfaceEntries: [InterfaceTable.Entry] = []
        var names: [UInt32: String] = [:]
        for fields in lines("interfaces") where fields.count == 4 {
            guard let index = UInt32(fields[1]) else { continue }
            if fields[2].isEmpty { names[index] = fields[0]; continue }
            if let address = IPAddress(parsing: fields[2]), let prefix = Int(fields[3]) {
                interfaceEntries.append(.init(name: fields[0], index: index, address: address, prefixLength: prefix))
            }
        }
        let routes = lines("routes").compactMap { fields -> RouteCheck? in
            // Five fields in archives of earlier versions, seven since lookups bound to the endpoint's device.
            guard fields.count == 5 || fields.count == 7, let id = UInt8(fields[0]) else { return nil }
            return RouteCheck(endpointID: id, source: fields[1], destination: fields[2],
                              interface: fields[3].isEmpty ? nil : fields[3], error: fields[4].isEmpty ? nil : fields[4],
                              boundDevice: fields.count == 7 && !fields[5].isEmpty ? fields[5] : nil,
                              assumedOnLink: fields.count == 7 && fields[6] == "onlink")
        }
        var rpFilter: [String: Int] = [:]
        for fields in lines("rp_filter") where fields.count == 2 {
            if let value = Int(fields[1]) { rpFilter[fields[0]] = value }
        }
        var snapshot = HostSnapshot(
            hostname: meta["hostname"] ?? "", kernel: meta["kernel"] ?? "",
            first: .init(time: Double(meta["time-1"] ?? "") ?? 0, netstat: try required("sample-1/netstat"), snmp: files["sample-1/snmp"] ?? []),
            second: .init(time: Double(meta["time-2"] ?? "") ?? 0, netstat: try required("sample-2/netstat"), snmp: files["sample-2/snmp"] ?? []),
            sockDiag: sockDiag, interfaces: InterfaceTable(entries: interfaceEntries, namesByIndex: names),
            endpointsRaw: files["genl/get-addr.bin"].map(decodeDatagrams), limitsRaw: files["genl/get-limits.bin"].map(decodeDatagrams),
            sysctlFiles: sysctls, eventsRaw: files["genl/events.bin"].map(decodeDatagrams),
            eventsUnavailableReason: meta["events-unavailable"], routeChecks: routes,
            collectionErrors: (text("errors") ?? "").split(separator: "\n").map(String.init))
        snapshot.rpFilter = rpFilter
        // Written by this tool from what the ledger saw; a stranger's file that does not decode is an error of its own.
        if let closed = files["ledger/closed.json"] {
            do {
                snapshot.closedConnections = try LiveSnapshotJSON.decodeAny([ClosedConnection].self, closed)
            } catch {
                snapshot.collectionErrors.append("ledger/closed.json: not a list of closed connections (\(error))")
            }
        }
        snapshot.ledgerUnavailableReason = meta["ledger-unavailable"]
        return snapshot
    }

    public static func encodeDatagrams(_ datagrams: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for datagram in datagrams {
            out.appendLittle(UInt32(datagram.count))
            out += datagram
        }
        return out
    }

    public static func decodeDatagrams(_ bytes: [UInt8]) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        let view = ByteView(bytes)
        var offset = 0
        while let length = view.u32(offset), let datagram = view.slice(offset + 4, Int(length)) {
            datagrams.append(datagram.bytes)
            offset += 4 + Int(length)
        }
        return datagrams
    }
}
