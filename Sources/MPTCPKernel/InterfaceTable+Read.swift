import MPTCPWire
#if canImport(Glibc)
import Glibc
#endif

extension InterfaceTable {
    /// The calling thread's namespace, from `getifaddrs(3)`; empty on failure.
    public static func read() -> InterfaceTable {
        var entries: [Entry] = []
        var names: [UInt32: String] = [:]
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return InterfaceTable() }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let namePointer = entry.pointee.ifa_name else { continue }
            let name = String(cString: namePointer)
            let index = if_nametoindex(namePointer)
            if index != 0 { names[index] = name }
            guard let address = entry.pointee.ifa_addr, let netmask = entry.pointee.ifa_netmask else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let bytes = Self.addressBytes(address, family)
            let mask = Self.addressBytes(netmask, family)
            let prefix = mask.reduce(0) { $0 + $1.nonzeroBitCount }
            entries.append(Entry(name: name, index: index,
                                 address: IPAddress(family: family == AF_INET ? IPAddress.inet : IPAddress.inet6, bytes: bytes),
                                 prefixLength: prefix))
        }
        return InterfaceTable(entries: entries, namesByIndex: names)
    }

    private static func addressBytes(_ address: UnsafeMutablePointer<sockaddr>, _ family: Int32) -> [UInt8] {
        if family == AF_INET {
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
        }
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
            withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
        }
    }
}
