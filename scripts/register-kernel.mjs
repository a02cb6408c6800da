console.log("register")
