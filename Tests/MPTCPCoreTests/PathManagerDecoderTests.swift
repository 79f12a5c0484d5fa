@testable import MPTCPWire
import MPTCPModel
import Testing

@Suite("Generic netlink: mptcp_pm")
struct PathManagerDecoderTests {
    static func messages(_ side: String, _ file: String) throws -> [NetlinkMessage] {
        try SockDiagFixture.datagramsAt("genl-6.18-\(side)/\(file).bin").flatMap { NetlinkMessages.split(ByteView($0)).messages }
    }

    @Test("CTRL_CMD_GETFAMILY answer: the family id and its multicast groups")
    func family() throws {
        let message = try #require(try Self.messages("cli", "get-family").first)
        let family = try GenericNetlinkFamily(message)
        #expect(family.id > 0x10)
        #expect(family.version == 1)
        #expect(Set(family.groups.keys) == ["mptcp_pm_cmds", "mptcp_pm_events"])
    }

    @Test("GET_ADDR: endpoints exactly as ip mptcp endpoint show listed them")
    func endpoints() throws {
        let client = try Self.messages("cli", "get-addr").filter { $0.type >= NetlinkMessage.firstFamilyType }.map { try Endpoint($0) }
        let shown = try Fixture.text("genl-6.18-cli.ip-mptcp-endpoint.txt").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(client.count == shown.count)
        for (endpoint, fields) in zip(client, shown) {
            #expect("\(endpoint.address.map { "\($0)" } ?? "")" == fields[0])
            #expect(String(endpoint.id) == fields[2])
            #expect(endpoint.flagNames == Array(fields[3..<(fields.firstIndex(of: "dev") ?? fields.count)]))
            #expect(endpoint.interfaceIndex != 0)
        }
        let server = try Self.messages("srv", "get-addr").filter { $0.type >= NetlinkMessage.firstFamilyType }.map { try Endpoint($0) }
        #expect(server.map(\.id) == [1, 9])
        #expect(server[1].port == 4660, "host byte order on the wire")
        #expect(server[1].flagNames == ["signal"])
        #expect(server[1].interfaceIndex == 0)
        #expect(server[0].address?.description == "10.77.2.2")
    }

    @Test("GET_LIMITS")
    func limits() throws {
        let limits = try #require(try Self.messages("cli", "get-limits").filter { $0.type >= NetlinkMessage.firstFamilyType }.map { try PathManagerLimits($0) }.first)
        #expect(limits == PathManagerLimits(subflows: 2, addAddrAccepted: 2))
    }

    @Test("events decode into what ip mptcp monitor printed, in order", arguments: ["cli", "srv"])
    func events(side: String) throws {
        let events = try Self.messages(side, "events").map { try PathManagerEvent($0) }
        let monitor = try Fixture.text("genl-6.18-\(side).ip-mptcp-monitor.txt").split(separator: "\n").filter { $0.hasPrefix("[") }
        let monitorKinds = monitor.map { line -> String in
            let name = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
            switch name {
            case "CREATED": return "created"
            case "ESTABLISHED": return "established"
            case "CLOSED": return "closed"
            case "ANNOUNCED": return "announced"
            case "REMOVED": return "removed"
            case "SF_ESTABLISHED": return "sub_established"
            case "SF_CLOSED": return "sub_closed"
            case "SF_PRIO": return "sub_priority"
            case "UNKNOWN 15": return "listener_created"
            case "UNKNOWN 16": return "listener_closed"
            default: return name
            }
        }
        #expect(events.map(\.kind.name) == monitorKinds)
        // iproute2 6.1 prints the listener events without their attributes.
        for (event, line) in zip(events, monitor) where !line.hasPrefix("[UNKNOWN") {
            if let token = event.token { #expect(line.contains("token=\(hex8(token))")) }
            if let port = event.sourcePort { #expect(line.contains("sport=\(port)")) }
            if let port = event.destinationPort { #expect(line.contains("dport=\(port)")) }
            if let backup = event.backup { #expect(line.contains("backup=\(backup)")) }
            if let address = event.destination, event.kind != .listenerCreated { #expect(line.contains("daddr4=\(address)")) }
        }
        if side == "srv" {
            let created = try #require(events.first { $0.kind == .created })
            #expect(created.flags == 2)
            #expect(created.serverSide == 1)
            let listener = try #require(events.first { $0.kind == .listenerCreated })
            #expect(listener.sourcePort == 5201)
            #expect(events.first { $0.kind == .subflowPriority }?.backup == 1)
        }
    }

    @Test("an unknown event type is kept as unknown; an unknown attribute is skipped")
    func unknown() throws {
        let original = try #require(try Self.messages("cli", "events").first)
        var payload = original.payload.bytes
        payload[0] = 99
        payload += NetlinkAttributes.encode(type: 200, payload: [1, 2, 3])
        let message = NetlinkMessages.split(ByteView(NetlinkMessage.encode(type: original.type, flags: 0, sequence: 0, payload: payload))).messages[0]
        let event = try PathManagerEvent(message)
        #expect(event.kind == .unknown(99))
        #expect(event.token == (try PathManagerEvent(original)).token)
        var log = PathManagerEventLog(capacity: 2)
        log.record(event)
        #expect(log.countsByKind["unknown"] == 1)
    }

    @Test("the event log counts by type and by close reason, and keeps only the latest")
    func eventLog() throws {
        var log = PathManagerEventLog(capacity: 3)
        for event in try Self.messages("cli", "events").compactMap(PathManagerEvent.init) { log.record(event) }
        #expect(log.countsByKind["sub_established"] == 3)
        #expect(log.countsByKind["announced"] == 2)
        #expect(log.countsByKind["listener_created"] == 0)
        #expect(log.recent.map(\.kind.name) == ["sub_closed", "removed", "closed"])
        #expect(log.closedSubflows == [.init(error: "none", resetReason: "none"): 1])
        var refused = PathManagerEvent(kind: .subflowClosed)
        refused.error = 111
        refused.resetReason = 6
        log.record(refused)
        #expect(log.closedSubflows[.init(error: "ECONNREFUSED", resetReason: "middlebox_interference")] == 1)
    }

    @Test("sticky errors: a malformed attribute list, a field of the wrong size or a missing id is an error, never a silent 0")
    func strictDecoding() throws {
        let original = try #require(try Self.messages("srv", "get-addr").first { $0.type >= NetlinkMessage.firstFamilyType })
        func message(_ attributes: [UInt8]) -> NetlinkMessage {
            NetlinkMessages.split(ByteView(NetlinkMessage.encode(type: original.type, flags: 0, sequence: 0,
                                                                 payload: Array(original.payload.bytes.prefix(4)) + attributes))).messages[0]
        }
        func nest(_ inner: [UInt8]) -> [UInt8] { NetlinkAttributes.encode(type: MPTCPPathManagerFamily.Attribute.address, payload: inner, nested: true) }
        let id = NetlinkAttributes.encode(type: MPTCPPathManagerFamily.AddressAttribute.id, payload: [7])
        let flags = NetlinkAttributes.encodeU32(type: MPTCPPathManagerFamily.AddressAttribute.flags, 1)
        #expect(try Endpoint(message(nest(id + flags))).id == 7)
        #expect(throws: NetlinkDecodeError.missingAttribute("MPTCP_PM_ADDR_ATTR_ID")) { try Endpoint(message(nest(flags))) }
        #expect(throws: NetlinkDecodeError.missingAttribute("MPTCP_PM_ADDR_ATTR_FLAGS")) { try Endpoint(message(nest(id))) }
        let shortFlags = NetlinkAttributes.encode(type: MPTCPPathManagerFamily.AddressAttribute.flags, payload: [1, 0])
        #expect(throws: NetlinkDecodeError.attributeLength(what: "MPTCP_PM_ADDR_ATTR_FLAGS", length: 2, expected: 4)) {
            try Endpoint(message(nest(id + shortFlags)))
        }
        let badAddress = NetlinkAttributes.encode(type: MPTCPPathManagerFamily.AddressAttribute.address4, payload: [10, 0, 0])
        #expect(throws: NetlinkDecodeError.self) { try Endpoint(message(nest(id + flags + badAddress))) }
        // A list that ends inside an attribute header: the walk's own error is thrown.
        #expect(throws: NetlinkDecodeError.self) { try Endpoint(message(nest(id + flags + [8, 0]))) }

        let event = try #require(try Self.messages("cli", "events").first)
        let badToken = NetlinkAttributes.encode(type: 1, payload: [1, 2])
        var payload = Array(event.payload.bytes.prefix(4)) + badToken
        let malformed = NetlinkMessages.split(ByteView(NetlinkMessage.encode(type: event.type, flags: 0, sequence: 0, payload: payload))).messages[0]
        #expect(throws: NetlinkDecodeError.attributeLength(what: "MPTCP_ATTR_TOKEN", length: 2, expected: 4)) { try PathManagerEvent(malformed) }
        payload = Array(event.payload.bytes.prefix(2))
        let cut = NetlinkMessages.split(ByteView(NetlinkMessage.encode(type: event.type, flags: 0, sequence: 0, payload: payload))).messages[0]
        #expect(throws: NetlinkDecodeError.self) { try PathManagerEvent(cut) }
    }

    @Test("one fallback for an endpoint's interface: none, its name, or ifindex<N>, in every view")
    func interfaceFallback() {
        let none = Endpoint(id: 1, address: nil, flags: 0)
        let known = Endpoint(id: 2, address: nil, interfaceIndex: 3, flags: 0)
        let gone = Endpoint(id: 3, address: nil, interfaceIndex: 5, flags: 0)
        let names: [UInt32: String] = [3: "s2"]
        #expect(none.interfaceName(names) == nil)
        #expect(known.interfaceName(names) == "s2")
        #expect(gone.interfaceName(names) == "ifindex5")
        let live = LiveSnapshot.make(time: 0, hostname: "", kernel: "", netstat: nil, connections: nil, endpoints: [gone], limits: nil,
                                     sysctls: nil, interfaceNames: names, events: nil, errors: [])
        #expect(live.endpoints.first?.interface == "ifindex5")
        let series = PathManagerFamilies.configuration(endpoints: [gone], limits: PathManagerLimits(subflows: 0, addAddrAccepted: 0), interfaceNames: names)
        #expect(series.first { $0.name == "mptcp_endpoint_info" }?.samples.first?.labels.contains { $0.name == "interface" && $0.value == "ifindex5" } == true)
    }

    @Test("a person reads errno and MP_RST reason names, not numbers")
    func namesInSummaries() {
        var closed = PathManagerEvent(kind: .subflowClosed)
        closed.error = 111
        closed.resetReason = 3
        #expect(closed.summary.contains("error=ECONNREFUSED"))
        #expect(closed.summary.contains("reset_reason=administratively_prohibited"))
        #expect(!closed.summary.contains("111"))
        closed.error = 200
        #expect(closed.summary.contains("error=errno_200"), "an unknown number stays visible")
        #expect(ErrnoNames.name(113) == "EHOSTUNREACH" && ErrnoNames.name(0) == "none")
    }

    @Test("mutated datagrams never trap (bounded, deterministic)")
    func mutations() throws {
        let originals = try ["get-addr", "get-limits", "events", "get-family"].flatMap { try SockDiagFixture.datagramsAt("genl-6.18-cli/\($0).bin") }
        var generator = SplitMix64(seed: 4)
        for round in 0..<3000 {
            var bytes = originals[round % originals.count]
            for _ in 0..<(1 + Int(generator.next() % 6)) where !bytes.isEmpty {
                let position = Int(generator.next() % UInt64(bytes.count))
                if generator.next() % 4 == 0 { bytes.removeSubrange(position...) } else { bytes[position] = UInt8(truncatingIfNeeded: generator.next()) }
            }
            for message in NetlinkMessages.split(ByteView(bytes)).messages {
                _ = try? GenericNetlinkFamily(message)
                _ = try? Endpoint(message)
                _ = try? PathManagerLimits(message)
                _ = (try? PathManagerEvent(message))?.summary
            }
        }
    }

    @Test("endpoint, limit and event series")
    func families() throws {
        let endpoints = try Self.messages("srv", "get-addr").filter { $0.type >= NetlinkMessage.firstFamilyType }.map { try Endpoint($0) }
        let families = PathManagerFamilies.configuration(endpoints: endpoints, limits: PathManagerLimits(subflows: 2, addAddrAccepted: 0),
                                                         interfaceNames: [3: "s2"])
        let info = try #require(families.first { $0.name == "mptcp_endpoint_info" })
        #expect(info.samples.map { Dictionary(uniqueKeysWithValues: $0.labels.map { ($0.name, $0.value) }) } == [
            ["id": "1", "address": "10.77.2.2", "port": "", "interface": "s2", "flags": "signal"],
            ["id": "9", "address": "10.77.1.2", "port": "4660", "interface": "", "flags": "signal"],
        ])
        #expect(families.first { $0.name == "mptcp_endpoints_by_flag" }?.samples.first { $0.labels[0].value == "signal" }?.value == .unsigned(2))
        #expect(families.first { $0.name == "mptcp_limit_add_addr_accepted" }?.samples.first?.value == .unsigned(0))
        let unavailable = PathManagerFamilies.events(nil, unavailableReason: "EPERM")
        #expect(unavailable.map(\.name) == ["mptcp_pm_events_available", "mptcp_pm_events_total", "mptcp_pm_subflows_closed_total",
                                            "mptcp_pm_events_lost_total", "mptcp_pm_events_malformed_total"])
        #expect(unavailable[0].samples[0].value == .unsigned(0))
        #expect(unavailable.dropFirst().allSatisfy { $0.samples.isEmpty }, "declared, without samples")
    }

    @Test("sysctls: numbers become gauges, words labels; pm_type stands in for path_manager on older kernels")
    func sysctls() {
        var sysctls = MPTCPSysctls()
        sysctls.add(name: "enabled", text: "1\n")
        sysctls.add(name: "pm_type", text: "1\n")
        sysctls.add(name: "scheduler", text: "default\n")
        sysctls.add(name: "future_knob", text: "-3")
        #expect(sysctls.pathManager == "userspace")
        let families = PathManagerFamilies.sysctls(sysctls)
        #expect(families.first { $0.name == "mptcp_enabled" }?.samples.first?.value == .unsigned(1))
        #expect(families.first { $0.name == "mptcp_sysctl_future_knob" }?.samples.first?.value == .signed(-3))
        let info = families.first { $0.name == "mptcp_sysctl_info" }?.samples.first?.labels.map { "\($0.name)=\($0.value)" }
        #expect(info == ["scheduler=default", "path_manager=userspace"])
    }
}
