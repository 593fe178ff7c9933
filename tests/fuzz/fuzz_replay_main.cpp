// The main of a fuzz target built without libFuzzer: runs LLVMFuzzerTestOneInput once on every
// file named on the command line or found (recursively) in a folder named there, in name order,
// and prints how many ran. Hidden files (.gitkeep) are skipped. Exits 1 when no input was found,
// so a replay test cannot pass by reading an empty or misspelt folder; a failed property aborts
// inside the target, as it would under libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool hidden(const fs::path& file) { return file.filename().string().starts_with("."); }

void collect(const fs::path& given, std::vector<fs::path>& files) {
    std::error_code ec;
    if (fs::is_regular_file(given, ec)) {
        files.push_back(given);
        return;
    }
    if (!fs::is_directory(given, ec)) {
        (void)std::fprintf(stderr, "replay: %s is neither a file nor a folder\n", given.c_str());
        return;
    }
    for (const auto& entry : fs::recursive_directory_iterator(given, ec)) {
        if (entry.is_regular_file() && !hidden(entry.path())) files.push_back(entry.path());
    }
}

bool read_whole(const fs::path& file, std::string& bytes) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) collect(argv[i], files);
    std::sort(files.begin(), files.end());
    std::size_t ran = 0;
    std::string bytes;
    for (const fs::path& file : files) {
        if (!read_whole(file, bytes)) {
            (void)std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
            return 1;
        }
        // A copy of exactly the input's size, so that a read past its end is caught by ASan.
        const std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
        LLVMFuzzerTestOneInput(input.data(), input.size());
        ++ran;
    }
    (void)std::printf("replay: ran %zu inputs\n", ran);
    return ran == 0 ? 1 : 0;
}
