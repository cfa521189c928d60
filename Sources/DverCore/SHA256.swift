import COpenSSL

/// SHA-256 through OpenSSL's EVP interface (SHA-NI accelerated where the CPU has it).
public enum SHA256 {
    /// The digest of `count` bytes at `pointer`.
    public static func hash(_ pointer: UnsafeRawPointer?, count: Int) -> ObjectID {
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &digest) { out in
            var length: UInt32 = 0
            let ok = EVP_Digest(pointer, count, out.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                &length, EVP_sha256(), nil)
            precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        }
        return withUnsafeBytes(of: &digest) { ObjectID(bytes: $0.baseAddress!) } // 32 bytes
    }

    public static func hash(_ buffer: UnsafeRawBufferPointer) -> ObjectID {
        hash(buffer.baseAddress, count: buffer.count)
    }

    public static func hash(_ bytes: [UInt8]) -> ObjectID {
        bytes.withUnsafeBytes { hash($0) }
    }

    public static func hash(_ string: String) -> ObjectID {
        hash(Array(string.utf8))
    }
}

/// Incremental SHA-256 for data that arrives in pieces. Not shared between threads.
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new only fails when memory is exhausted.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        EVP_DigestUpdate(context, base, buffer.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest and resets the hasher for reuse.
    public func finish() -> ObjectID {
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &digest) { out in
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        return withUnsafeBytes(of: &digest) { ObjectID(bytes: $0.baseAddress!) } // 32 bytes
    }
}

/// Random bytes from OpenSSL's CSPRNG, for ids that must not collide (commit sets).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = RAND_bytes(&out, Int32(count))
        precondition(ok == 1, "RAND_bytes failed")
        return out
    }
}
