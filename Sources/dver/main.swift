print("dver")
