import MPTCPWire
/// Everything a report reads, from the live kernel or from a snapshot archive:
/// two samples of the counters over an interval, the connections, the
/// path-manager configuration and the events seen in between. Raw kernel
/// bytes are kept so that an archive reproduces the same report elsewhere.
public struct HostSnapshot: Sendable {
    public struct Sample: Sendable {
        /// Seconds since 1970.
        public var time: Double
        /// `/proc/net/netstat` and `/proc/net/snmp` as read.
        public var netstat: [UInt8]
        public var snmp: [UInt8]
        public init(time: Double, netstat: [UInt8], snmp: [UInt8]) {
            self.time = time
            self.netstat = netstat
            self.snmp = snmp
        }
        public var table: NetstatTable { NetstatParser.parse(netstat).merging(NetstatParser.parse(snmp)) }
    }

    public var hostname: String
    public var kernel: String
    public var first: Sample
    public var second: Sample
    /// sock_diag datagrams of the second sample: file name → datagrams.
    public var sockDiag: [String: [[UInt8]]]
    public var interfaces: InterfaceTable
    /// GET_ADDR and GET_LIMITS datagrams; nil when the path manager could not be read.
    public var endpointsRaw: [[UInt8]]?
    public var limitsRaw: [[UInt8]]?
    /// `<procfs>/sys/net/mptcp/*` as read: name → text.
    public var sysctlFiles: [String: String]
    /// Event datagrams received during the interval; nil when events were unavailable.
    public var eventsRaw: [[UInt8]]?
    public var eventsUnavailableReason: String?
    /// Route lookups from each subflow endpoint (see ``RouteCheck``).
    public var routeChecks: [RouteCheck]
    /// Connections that ended during the interval, as the subflow ledger saw
    /// them (nil: the ledger did not run, `ledgerUnavailableReason` says why).
    public var closedConnections: [ClosedConnection]?
    public var ledgerUnavailableReason: String?
    /// Problems met while collecting (kept in the report, not fatal).
    public var collectionErrors: [String]
    /// `net.ipv4.conf.<name>.rp_filter` by interface name, and `all`
    /// (empty in archives made before it was kept).
    public var rpFilter: [String: Int] = [:]

    public init(hostname: String, kernel: String, first: Sample, second: Sample, sockDiag: [String: [[UInt8]]],
                interfaces: InterfaceTable, endpointsRaw: [[UInt8]]?, limitsRaw: [[UInt8]]?, sysctlFiles: [String: String],
                eventsRaw: [[UInt8]]?, eventsUnavailableReason: String?, routeChecks: [RouteCheck], collectionErrors: [String]) {
        self.hostname = hostname
        self.kernel = kernel
        self.first = first
        self.second = second
        self.sockDiag = sockDiag
        self.interfaces = interfaces
        self.endpointsRaw = endpointsRaw
        self.limitsRaw = limitsRaw
        self.sysctlFiles = sysctlFiles
        self.eventsRaw = eventsRaw
        self.eventsUnavailableReason = eventsUnavailableReason
        self.routeChecks = routeChecks
        self.collectionErrors = collectionErrors
    }

    // MARK: Decoded views (the same decoders as the exporter)

    public var connections: ConnectionSnapshot {
        ConnectionJoiner.join(raw: sockDiag, interfaces: interfaces)
    }

    public var sysctls: MPTCPSysctls {
        var sysctls = MPTCPSysctls()
        for (name, text) in sysctlFiles { sysctls.add(name: name, text: text) }
        return sysctls
    }

    /// Every view decoded once, with what could not be decoded (reported
    /// with the collection errors, never silently left out).
    public struct Decoded: Sendable {
        public var connections: ConnectionSnapshot
        public var endpoints: [Endpoint]?
        public var limits: PathManagerLimits?
        /// In arrival order (the receive time is not kept in the raw bytes).
        public var events: [PathManagerEvent]?
        public var sysctls: MPTCPSysctls
        public var errors: [String]
    }

    /// Decodes the kernel's bytes once: what a report is built from.
    public func decode() -> Decoded {
        var errors: [String] = []
        func decoded<T>(_ raw: [[UInt8]]?, _ what: String, _ body: (NetlinkMessage) throws(NetlinkDecodeError) -> T) -> [T]? {
            guard let raw else { return nil }
            let result = Self.decodeAll(raw, body)
            errors += result.errors.map { "\(what): \($0)" }
            return result.values
        }
        let endpoints = decoded(endpointsRaw, "endpoints") { message throws(NetlinkDecodeError) in try Endpoint(message) }
        let limits = decoded(limitsRaw, "limits") { message throws(NetlinkDecodeError) in try PathManagerLimits(message) }
        let events = decoded(eventsRaw, "events") { message throws(NetlinkDecodeError) in try PathManagerEvent(message) }
        return Decoded(connections: connections, endpoints: endpoints, limits: limits?.first, events: events, sysctls: sysctls, errors: errors)
    }

    /// Decodes every generic netlink message of the datagrams (control messages
    /// such as NLMSG_DONE skipped) and keeps what failed, with why.
    static func decodeAll<T>(_ raw: [[UInt8]], _ decode: (NetlinkMessage) throws(NetlinkDecodeError) -> T) -> (values: [T], errors: [String]) {
        var values: [T] = [], errors: [String] = []
        for datagram in raw {
            let (messages, error) = NetlinkMessages.split(ByteView(datagram))
            if let error { errors.append("\(error)") }
            for message in messages where message.type >= NetlinkMessage.firstFamilyType {
                do { values.append(try decode(message)) } catch { errors.append("\(error)") }
            }
        }
        return (values, errors)
    }

    public var interval: Double { max(0, second.time - first.time) }
}

/// Whether the kernel has a route from an endpoint's address towards a
/// destination (`ip route get DEST from SOURCE`; a lookup only, nothing is sent).
public struct RouteCheck: Sendable, Equatable, Codable {
    public var endpointID: UInt8
    public var source: String
    public var destination: String
    /// The output interface, nil when there is no route.
    public var interface: String?
    /// errno name of a failed lookup (ENETUNREACH, …).
    public var error: String?
    /// The device the lookup was bound to (the endpoint's `dev`, as the
    /// kernel's lookup for the subflow is); nil for a lookup by source
    /// address alone (the one reverse-path filtering makes).
    public var boundDevice: String?
    /// No table held a route through `boundDevice`: the kernel assumes the
    /// destination is on that link and asks for it there (ARP), which only
    /// works when something on the link answers for that address.
    public var assumedOnLink: Bool

    public init(endpointID: UInt8, source: String, destination: String, interface: String?, error: String?,
                boundDevice: String? = nil, assumedOnLink: Bool = false) {
        self.endpointID = endpointID
        self.source = source
        self.destination = destination
        self.interface = interface
        self.error = error
        self.boundDevice = boundDevice
        self.assumedOnLink = assumedOnLink
    }

    /// How `ip route get` asks the same question.
    public var command: String {
        "route get \(destination) from \(source)" + (boundDevice.map { " oif \($0)" } ?? "")
    }

    /// What the answer says, in a few words.
    public var outcome: String {
        if let interface {
            return assumedOnLink ? "no route in any table: assumed on the link of \(interface)" : "dev \(interface)"
        }
        return error ?? "no route"
    }

    /// The kernel's subflow from this endpoint would not reach the
    /// destination by a route: none at all, or only the on-link guess.
    public var withoutRoute: Bool { interface == nil || assumedOnLink }
}
