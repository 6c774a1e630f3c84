from summarizer.cli import main

if __name__ == "__main__":  # a multiprocessing child imports this module too
    main()
