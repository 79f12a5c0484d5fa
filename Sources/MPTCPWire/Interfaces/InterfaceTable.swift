/// The interfaces of a namespace and their addresses, to say which path a
/// subflow takes.
public struct InterfaceTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var index: UInt32
        public var address: IPAddress
        public var prefixLength: Int
        public init(name: String, index: UInt32, address: IPAddress, prefixLength: Int) {
            self.name = name
            self.index = index
            self.address = address
            self.prefixLength = prefixLength
        }
    }

    public var entries: [Entry]
    public var namesByIndex: [UInt32: String]

    /// An interface's name, or `ifindex<N>` when `names` does not know it:
    /// the one fallback for an index without a name (endpoints, routes).
    public static func name(of index: UInt32, in names: [UInt32: String]) -> String {
        names[index] ?? "ifindex\(index)"
    }

    public init(entries: [Entry] = [], namesByIndex: [UInt32: String] = [:]) {
        self.entries = entries
        self.namesByIndex = namesByIndex
        for entry in entries where self.namesByIndex[entry.index] == nil { self.namesByIndex[entry.index] = entry.name }
    }

    /// The interface a subflow uses, in this order:
    /// 1. the device the socket is bound to (endpoints configured with `dev`);
    /// 2. the interface whose connected subnet holds the remote address
    ///    (longest prefix): on a server, a join arriving from a peer's second
    ///    link leaves through that link even though the local address is the
    ///    first link's;
    /// 3. the interface that owns the local address (per-source routing, the
    ///    usual multi-homed client).
    /// nil when none applies. Routing rules beyond these are not evaluated.
    public func name(boundIndex: UInt32, local: IPAddress, remote: IPAddress) -> String? {
        if boundIndex != 0, let name = namesByIndex[boundIndex] { return name }
        let remote4 = remote.unmappedIPv4, local4 = local.unmappedIPv4
        var best: (name: String, length: Int)?
        for entry in entries where entry.address.family == remote4.family && entry.prefixLength > 0 {
            guard entry.prefixLength > (best?.length ?? -1), Self.sameSubnet(entry.address, remote4, entry.prefixLength),
                  entry.address != remote4 else { continue }
            best = (entry.name, entry.prefixLength)
        }
        if let best { return best.name }
        return entries.first { $0.address == local4 }?.name
    }

    package static func sameSubnet(_ a: IPAddress, _ b: IPAddress, _ prefix: Int) -> Bool {
        guard a.family == b.family, prefix >= 0, prefix <= (a.family == IPAddress.inet ? 32 : 128) else { return false }
        let highBits = min(prefix, 64), lowBits = max(0, prefix - 64)
        let highMask: UInt64 = highBits == 0 ? 0 : ~0 << (64 - highBits)
        let lowMask: UInt64 = lowBits == 0 ? 0 : ~0 << (64 - lowBits)
        return a.high & highMask == b.high & highMask && a.low & lowMask == b.low & lowMask
    }
}

extension IPAddress {
    /// An IPv4-mapped IPv6 address as IPv4; any other address unchanged.
    public var unmappedIPv4: IPAddress {
        guard isIPv4MappedIPv6 else { return self }
        var address = self
        address.family = IPAddress.inet
        address.high = low << 32
        address.low = 0
        return address
    }
}
