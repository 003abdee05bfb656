#include "cli/app.h"

int main(int argc, char** argv) { return heapscope::cli::RunApp(argc, argv); }
