"""What the tests share: paths, the scripted and faulty endpoints, the llama.cpp fixture, replay
of the recordings, the bad inputs. Benchmarks import from here too."""
