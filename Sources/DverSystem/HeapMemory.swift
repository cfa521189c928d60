import CSystemShims

/// The process heap.
public enum HeapMemory {
    /// Hands free pages inside the heap back to the system (glibc's `malloc_trim`). Freed
    /// blocks between allocations that live on stay resident otherwise: a million-file `add`
    /// frees its scan's lists piece by piece while the paths they held move into the index.
    public static func releaseFreePages() {
        _ = dver_release_free_heap_pages()
    }
}
